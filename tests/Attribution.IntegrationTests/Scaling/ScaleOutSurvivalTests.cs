using System.Diagnostics;
using Attribution.EventStore.Databases;
using Attribution.IntegrationTests.Infrastructure;
using Attribution.LoadHarness;
using Npgsql;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Scaling;

/// <summary>
/// Everything scaled out at once, under a steady load on two companies: a three-node RabbitMQ cluster
/// with quorum queues, three engine processes, and the two companies in two PostgreSQL clusters (the
/// machine's, as catalog and first company database, and a container's). At the same moment one
/// broker node stops, one engine is killed and the container's database stops. The company in the
/// healthy database keeps being decided meanwhile; afterwards every accepted event of both is
/// stored once and decided once, and a replay of each equals live.
/// </summary>
[NonParallelizable]
public sealed class ScaleOutSurvivalTests
{
    private const double Rate = 25; // events/s per company: three brokers, three engines and two databases share two cores
    private const string Second = "second";

    [Test]
    public async Task A_broker_node_an_engine_and_a_database_lost_at_once_lose_nothing_and_double_nothing()
    {
        await using var cluster = await BrokerCluster.StartAsync();
        await using var catalog = await TestServices.CreateScratchEnvironmentAsync("scaleout");
        await using var second = await PostgresContainer.StartAsync();
        await using var main = NpgsqlDataSource.Create(catalog.PostgresConnection);
        var settings = new Dictionary<string, string?>(cluster.Settings) { ["POSTGRES_CONNECTION"] = catalog.PostgresConnection };
        await using var system = await RunningSystem.StartAsync(engines: 0, gatewaySettings: settings);

        var engines = new List<EngineProcess>();
        try
        {
            for (var i = 1; i <= 3; i++) engines.Add(StartEngine($"scaleout-{i}", catalog.PostgresConnection, cluster));
            var inMain = await system.CreateCompanyAsync("Scale-out, main");
            Assert.That(await EngineCommandAsync(settings, "databases", "add", Second, second.ConnectionString), Is.EqualTo(0));
            Assert.That(await EngineCommandAsync(settings, "databases", "full", CompanyDatabases.Main), Is.EqualTo(0));
            var inSecond = await system.CreateCompanyAsync("Scale-out, second");

            await using (var broker = await new ConnectionFactory { Uri = new Uri(cluster.Settings["RABBITMQ_URL"]!) }.CreateConnectionAsync())
                await Poll.UntilAsync(() => QueueCounts.ConsumersAsync(broker, RecordingQueue), n => n >= 3, TimeSpan.FromSeconds(90),
                    "the three engines consuming");

            using var loadMain = new GatewayLoad(system.Http.BaseAddress!, RunningSystem.AdminToken, main);
            using var loadSecond = new GatewayLoad(system.Http.BaseAddress!, RunningSystem.AdminToken, second.Database);
            int acceptedMain = 0, acceptedSecond = 0;
            var runs = Task.WhenAll(
                loadMain.SteadyRateAsync(inMain.CompanyKey, Rate, TimeSpan.FromSeconds(40), ok => { if (ok) Interlocked.Increment(ref acceptedMain); }),
                loadSecond.SteadyRateAsync(inSecond.CompanyKey, Rate, TimeSpan.FromSeconds(40), ok => { if (ok) Interlocked.Increment(ref acceptedSecond); }));
            await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref acceptedMain)), n => n >= 4 * Rate, TimeSpan.FromSeconds(60), "load before the faults");

            var faults = Stopwatch.StartNew();
            await Task.WhenAll(cluster.StopNodeAsync(1), engines[0].KillAsync(), second.StopAsync());
            var (mainAtFaults, secondAtFaults) = (Volatile.Read(ref acceptedMain), Volatile.Read(ref acceptedSecond));
            TestContext.Out.WriteLine($"node 1 stopped, engine {engines[0].Name} killed, database {Second} stopped in {faults.Elapsed.TotalSeconds:0.0} s; " +
                $"{mainAtFaults} and {secondAtFaults} events accepted by then");

            // The healthy database's company goes on being decided, events accepted after the faults
            // included, while the other database is down; the other's events are still accepted.
            // The engines' buses reconnect to another node with a backoff of up to 30 s, and a standby takes
            // the killed engine's daemon leadership at its next poll.
            await Poll.UntilAsync(() => DecisionsAsync(main, inMain.CompanyKey), n => n >= mainAtFaults + 3 * Rate, TimeSpan.FromSeconds(120),
                "main's company decided past the faults while the second database is down");
            Assert.That(Volatile.Read(ref acceptedSecond), Is.GreaterThan(secondAtFaults), "the second database's company's events accepted while it is down");
            TestContext.Out.WriteLine($"main's company decided past the faults {faults.Elapsed.TotalSeconds:0.0} s after them; " +
                $"{Volatile.Read(ref acceptedSecond) - secondAtFaults} of the second's accepted meanwhile");

            await Task.WhenAll(second.StartAgainAsync(), cluster.StartNodeAsync(1));
            var done = await runs;
            foreach (var (company, run, database, load) in new[] { (inMain, done[0], main, loadMain), (inSecond, done[1], second.Database, loadSecond) })
                await AssertEachAcceptedEventOnceAsync(company, run, database, load);
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
    }

    private static readonly string RecordingQueue = Attribution.Engine.Recording.RecordingQueues.Of<Attribution.Contracts.Ingestion.EventBatchReceived>();

    private static EngineProcess StartEngine(string name, string catalog, BrokerCluster cluster)
    {
        var environment = cluster.Settings.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        environment["POSTGRES_CONNECTION"] = catalog + ";Application Name=engine-" + name;
        return EngineProcess.Start(name, environment);
    }

    /// <summary>The operator's command line: the engine's binary with a verb, as docs/operations.md shows it.</summary>
    private static async Task<int> EngineCommandAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Attribution.Engine.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in TestServices.Configuration(RunningSystem.AdminToken).Concat(settings))
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        info.Environment["DOTNET_ENVIRONMENT"] = "Test";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        TestContext.Out.WriteLine($"{string.Join(' ', args.Take(3))}: exit {process.ExitCode}; {await output}{await errors}");
        return process.ExitCode;
    }

    /// <summary>Every accepted event stored once in the company's database and decided once; a replay equals live.</summary>
    private static async Task AssertEachAcceptedEventOnceAsync(TestCompany company, GatewayLoad.Run run, NpgsqlDataSource database, GatewayLoad load)
    {
        var ids = run.Accepted.Select(a => a.EventId).ToList();
        // The gateway answers 503 while its own connection moves to another node (the client keeps the event).
        Assert.That(ids, Has.Count.GreaterThan(10 * Rate), $"{company.CompanyKey}: the load ran ({run.Refused} refused)");
        var found = await Poll.UntilAsync(() => StoredEvents.FindAsync(ids, database), f => f.Count == ids.Count, TimeSpan.FromSeconds(180),
            $"every accepted event of {company.CompanyKey} stored", failOnTimeout: false);
        Assert.That(ids.Where(id => !found.ContainsKey(id)).ToList(), Is.Empty, "accepted but never stored");
        await load.WaitUntilVisibleAsync(run, TimeSpan.FromSeconds(180));

        // A refused event may have reached the broker before its answer failed (a client resends it with
        // the same eventId): it may be stored, once. Nothing else, nothing twice.
        var refusedButStored = (await StoredEvents.FindAsync(run.RefusedIds, database)).Count;
        var stored = await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey, database);
        Assert.That(stored, Is.EqualTo(ids.Count + refusedButStored), $"{company.CompanyKey}: 0 lost, 0 counted twice");
        Assert.That(await Poll.UntilAsync(() => DecisionsAsync(database, company.CompanyKey), n => n == stored, TimeSpan.FromSeconds(60),
            "one decision per stored event", failOnTimeout: false), Is.EqualTo(stored), $"{company.CompanyKey}: one decision per stored event");

        var live = (await company.GetJsonAsync("/v1/revenue/summary")).GetRawText();
        Assert.That((await company.ReplayAsync(TimeSpan.FromSeconds(90))).GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(await Poll.UntilAsync(async () => (await company.GetJsonAsync("/v1/revenue/summary")).GetRawText(), s => s == live,
            TimeSpan.FromSeconds(30), "the summary after the replay", failOnTimeout: false), Is.EqualTo(live), $"{company.CompanyKey}: replay equals live");
    }

    private static async Task<long> DecisionsAsync(NpgsqlDataSource database, string companyKey)
    {
        await using var cmd = database.CreateCommand(
            "SELECT count(*) FROM event_store.documents WHERE type = 'attribution_decision' AND starts_with(id, $1)");
        cmd.Parameters.AddWithValue(companyKey + ":");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
