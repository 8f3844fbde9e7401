using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.Engine.Replay;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace Attribution.IntegrationTests.Decisions;

/// <summary>
/// One replay runs per company at a time (contract §7): a request while one is under way answers 202
/// with its id; its end frees the slot; another company's replay is its own; a replay nobody advances
/// gives way; the command line waits its turn. The replay queue is bound and left without an engine
/// while the requests arrive, so that a replay is under way for as long as the test needs.
/// </summary>
[NonParallelizable]
public sealed class OneReplayPerCompanyTests
{
    private RunningSystem _system = null!;
    private IHost? _engine;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync(engines: 0);
        await _system.StopEngineAsync(await _system.StartEngineAsync()); // binds the replay queue
    }

    [TearDown]
    public async Task StopEngineAsync()
    {
        if (_engine is not null) await _system.StopEngineAsync(_engine);
        _engine = null;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task Five_concurrent_requests_start_one_replay_its_end_frees_the_slot_and_another_company_has_its_own()
    {
        var company = await _system.CreateCompanyAsync("One replay");
        var other = await _system.CreateCompanyAsync("Its own replay");

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RequestReplayAsync(company)));
        var replayId = answers[0].ReplayId;
        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.Accepted));
            Assert.That(answers.Select(a => a.ReplayId), Is.All.EqualTo(replayId), "every request answers the replay under way");
            Assert.That(answers.Select(a => a.Location), Is.All.EqualTo($"/v1/replay/{replayId}"));
        });
        Assert.That(await ReplaysOfAsync(company), Has.Count.EqualTo(1), "one replay row, so one run");

        var others = await RequestReplayAsync(other);
        Assert.That(others.Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(others.ReplayId, Is.Not.EqualTo(replayId), "another company's replay does not wait for this one's slot");

        _engine = await _system.StartEngineAsync();
        Assert.That((await FinishedAsync(company, replayId)).GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That((await FinishedAsync(other, others.ReplayId)).GetProperty("status").GetString(), Is.EqualTo("completed"));

        var next = await RequestReplayAsync(company);
        Assert.That(next.Status, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(next.ReplayId, Is.Not.EqualTo(replayId), "a completed replay frees the slot");
        Assert.That((await FinishedAsync(company, next.ReplayId)).GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(await ReplaysOfAsync(company), Is.EqualTo(new[] { (replayId, "completed"), (next.ReplayId, "completed") }));
    }

    [Test]
    public async Task A_replay_nobody_advanced_within_the_stale_bound_gives_way_and_is_not_run_afterwards()
    {
        var company = await _system.CreateCompanyAsync("Abandoned replay");
        var stuck = await RequestReplayAsync(company);
        await using (var age = TestServices.Database.CreateCommand("UPDATE app.replays SET heartbeat_at = now() - interval '11 minutes' WHERE replay_id = $1"))
        {
            age.Parameters.AddWithValue(stuck.ReplayId);
            Assert.That(await age.ExecuteNonQueryAsync(), Is.EqualTo(1));
        }

        var next = await RequestReplayAsync(company);
        Assert.That(next.ReplayId, Is.Not.EqualTo(stuck.ReplayId), "the abandoned replay released the slot");
        var abandoned = await company.GetJsonAsync($"/v1/replay/{stuck.ReplayId}");
        Assert.That(abandoned.GetProperty("status").GetString(), Is.EqualTo("failed"));
        Assert.That(abandoned.GetProperty("error").GetString(), Does.StartWith("Abandoned"));

        // Both messages are on the queue, the abandoned one first: the engine skips it and runs the other.
        _engine = await _system.StartEngineAsync();
        Assert.That((await FinishedAsync(company, next.ReplayId)).GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(await ReplaysOfAsync(company), Is.EqualTo(new[] { (stuck.ReplayId, "failed"), (next.ReplayId, "completed") }));
    }

    [Test]
    public async Task The_command_line_replay_waits_for_the_replay_under_way_then_runs_in_the_slot_itself()
    {
        var company = await _system.CreateCompanyAsync("Command-line replay");
        var queued = await RequestReplayAsync(company);

        using var commandLine = RunningSystem.BuildEngine(); // not started: the `replay` verb's services alone
        var run = commandLine.Services.GetRequiredService<CompanyReplay>().RunAsync(company.CompanyKey, CancellationToken.None);
        _engine = await _system.StartEngineAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(60));

        var rows = await ReplaysOfAsync(company);
        Assert.That(rows.Select(r => r.Status), Is.EqualTo(new[] { "completed", "completed" }), "the queued replay, then the command line's own");
        Assert.That(rows[0].ReplayId, Is.EqualTo(queued.ReplayId));
        await using var order = TestServices.Database.CreateCommand("""
            SELECT (SELECT requested_at FROM app.replays WHERE replay_id = $2) >= (SELECT finished_at FROM app.replays WHERE replay_id = $1)
            """);
        order.Parameters.AddWithValue(queued.ReplayId);
        order.Parameters.AddWithValue(rows[1].ReplayId);
        Assert.That(await order.ExecuteScalarAsync(), Is.True, "the command line took the slot only once the queued replay had ended");
    }

    private sealed record Requested(HttpStatusCode Status, Guid ReplayId, string? Location);

    private static async Task<Requested> RequestReplayAsync(TestCompany company)
    {
        using var response = await company.PostAsServerAsync("/v1/replay", new { });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body);
        var replayId = JsonDocument.Parse(body).RootElement.GetProperty("replayId").GetGuid();
        return new Requested(response.StatusCode, replayId, response.Headers.Location?.OriginalString);
    }

    private static Task<JsonElement> FinishedAsync(TestCompany company, Guid replayId) =>
        Poll.UntilAsync(() => company.GetJsonAsync($"/v1/replay/{replayId}"), s => s.GetProperty("status").GetString() is "completed" or "failed",
            TimeSpan.FromSeconds(60), $"replay {replayId} to end");

    /// <summary>The company's replay rows, oldest request first.</summary>
    private static async Task<List<(Guid ReplayId, string Status)>> ReplaysOfAsync(TestCompany company)
    {
        await using var cmd = TestServices.Database.CreateCommand(
            "SELECT replay_id, status FROM app.replays WHERE company_key = $1 ORDER BY requested_at, replay_id");
        cmd.Parameters.AddWithValue(company.CompanyKey);
        var rows = new List<(Guid, string)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetGuid(0), reader.GetString(1)));
        return rows;
    }
}
