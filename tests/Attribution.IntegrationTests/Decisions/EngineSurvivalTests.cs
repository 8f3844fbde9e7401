using System.Net;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Decisions;

/// <summary>
/// No decision is lost or doubled when an engine process is killed (SIGKILL) and restarted
/// mid-stream, nor when two engine instances consume at once. The workload: visitors who chat
/// helpfully, add two items and check out; every cart and checkout event must end attributed,
/// with exactly one decision stream each and no repeated revision.
/// </summary>
[NonParallelizable]
public sealed class EngineSurvivalTests
{
    private const int Visitors = 30;
    private const int EventsPerVisitor = 5; // message, answer, two cart events, checkout
    private const int DecisionsPerVisitor = 3; // two cart events and the checkout

    [Test]
    public async Task An_engine_killed_and_restarted_mid_stream_loses_and_doubles_nothing()
    {
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var company = await system.CreateCompanyAsync("Kill -9");
        var engine = EngineProcess.Start("first");
        try
        {
            // The engine declares its queues on start; until then the mandatory publishes answer 503.
            await Poll.UntilAsync(async () =>
            {
                using var r = await company.PostAsServerAsync("/v1/events/interactions",
                    new { userFingerprint = "fp_warmup", channel = "CHAT", kind = "WIDGET_LOADED" });
                return r.StatusCode;
            }, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(60), "the engine process to bind its queues");

            var workload = Workload(company);
            var posted = 0;
            foreach (var batch in workload.Chunk(10))
            {
                await PostAll(company, batch);
                posted += batch.Length;
                if (posted >= workload.Count / 3 && engine is { HasExited: false, Name: "first" })
                {
                    await engine.KillAsync(); // SIGKILL: no graceful stop, unacked messages go back to the queue
                    engine.Dispose();
                    engine = null;
                }
                else if (posted >= workload.Count * 2 / 3 && engine is null)
                {
                    engine = EngineProcess.Start("restarted");
                }
            }
            engine ??= EngineProcess.Start("restarted");

            await AssertNothingLostOrDoubled(company, workload.Count + 1);
        }
        finally
        {
            engine?.Dispose();
        }
    }

    [Test]
    public async Task Two_engine_instances_at_once_lose_and_double_nothing()
    {
        await using var system = await RunningSystem.StartAsync(engines: 2);
        var company = await system.CreateCompanyAsync("Two engines");

        var workload = Workload(company);
        foreach (var batch in workload.Chunk(25)) await PostAll(company, batch);

        await AssertNothingLostOrDoubled(company, workload.Count);
    }

    private sealed record Post(string Path, bool AsServer, object Body);

    private static List<Post> Workload(TestCompany company)
    {
        var t = DateTimeOffset.UtcNow.AddHours(-3);
        string At(DateTimeOffset x) => WireTime.Of(x);
        var posts = new List<Post>();
        for (var v = 0; v < Visitors; v++)
        {
            var fp = $"fp_{company.CompanyKey[^6..]}_{v}";
            posts.Add(new("/v1/events/interactions", true, new { userFingerprint = fp, channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId = $"c{v}", text = "trail shoes for wide feet?", occurredAt = At(t) }));
            posts.Add(new("/v1/events/interactions", true, new { userFingerprint = fp, channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId = $"c{v}", helpful = true, occurredAt = At(t.AddMinutes(1)) }));
            posts.Add(new("/v1/events/cart", false, new { userFingerprint = fp, type = "ITEM_ADDED", productId = "SKU-1", productName = "Trail shoe", value = 99.50m, currency = "USD", quantity = 1, occurredAt = At(t.AddHours(1)) }));
            posts.Add(new("/v1/events/cart", false, new { userFingerprint = fp, type = "ITEM_ADDED", productId = "SKU-2", productName = "Socks", value = 9.99m, currency = "USD", quantity = 2, occurredAt = At(t.AddHours(1).AddMinutes(1)) }));
            posts.Add(new("/v1/events/checkout", false, new { userFingerprint = fp, orderId = $"O-{v}", value = 119.48m, currency = "USD", occurredAt = At(t.AddHours(1).AddMinutes(5)) }));
        }
        return posts;
    }

    private static async Task PostAll(TestCompany company, IEnumerable<Post> posts) =>
        await Task.WhenAll(posts.Select(async p =>
        {
            using var r = p.AsServer ? await company.PostAsServerAsync(p.Path, p.Body) : await company.PostAsBrowserAsync(p.Path, p.Body);
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await r.Content.ReadAsStringAsync());
        }));

    private static async Task AssertNothingLostOrDoubled(TestCompany company, int accepted)
    {
        const int decisions = Visitors * DecisionsPerVisitor;
        await Poll.UntilAsync(() => StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), n => n >= accepted, TimeSpan.FromSeconds(60), "every accepted event stored");
        var latest = await Poll.UntilAsync(() => LatestDecisions(company.CompanyKey),
            d => d.Count >= decisions && d.All(x => x.Attributed), TimeSpan.FromSeconds(60), "every cart and checkout decided and attributed");

        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(accepted), "each accepted event stored exactly once");
        Assert.That(latest, Has.Count.EqualTo(decisions), "one decision per cart and checkout event");
        Assert.That(latest.All(d => d.Counted), Is.True);
        Assert.That(await RepeatedRevisions(company.CompanyKey), Is.Zero, "no revision repeats the one before it");
    }

    private static async Task<List<(bool Attributed, bool Counted)>> LatestDecisions(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand(
            "SELECT (data->>'attributed')::boolean, (data->>'counted')::boolean FROM event_store.documents WHERE type = 'attribution_decision' AND data->>'companyKey' = $1");
        cmd.Parameters.AddWithValue(companyKey);
        var rows = new List<(bool, bool)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetBoolean(0), reader.GetBoolean(1)));
        return rows;
    }

    // A doubled decision would show as a revision identical in outcome to the one before it.
    private static async Task<long> RepeatedRevisions(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT count(*) FROM (
                SELECT data->>'attributed' AS a, data->'credited' AS c, data->>'counted' AS n, data->>'ruleVersion' AS r, data->'reasons' AS why,
                       lag(data->>'attributed') OVER w AS pa, lag(data->'credited') OVER w AS pc,
                       lag(data->>'counted') OVER w AS pn, lag(data->>'ruleVersion') OVER w AS pr, lag(data->'reasons') OVER w AS pwhy
                FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'attribution_decided.v2'
                WINDOW w AS (PARTITION BY stream_id ORDER BY version)) d
            WHERE pa IS NOT NULL AND a = pa AND c IS NOT DISTINCT FROM pc AND n = pn AND r = pr AND why = pwhy
            """);
        cmd.Parameters.AddWithValue(companyKey);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
