using System.Diagnostics;
using System.Text;
using Attribution.Contracts.Ingestion;
using Attribution.Engine.Recording;
using Attribution.IntegrationTests.Infrastructure;
using Attribution.LoadHarness;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Survival;

/// <summary>
/// Faults under a steady load from the load harness (tests/Attribution.LoadHarness): PostgreSQL
/// stopped and restarted, RabbitMQ stopped and restarted, the engine process killed (SIGKILL) and
/// restarted, a second engine process joining, a poison message. Each ends with every accepted
/// (202) event stored exactly once, decided exactly once, and a replay equal to live.
/// Bounded: about 20 s of load each (40 s across the broker's restart). The engine runs as its own
/// process so that it can be killed. The fixture's broker and database are containers of its own
/// (RabbitMQ and PostgreSQL), so stopping them disturbs no other test and no shared service.
/// </summary>
[NonParallelizable]
public sealed class SurvivalUnderLoadTests
{
    private const double Rate = 120; // events/s: steady, well under this machine's maximum (tests/Attribution.LoadHarness/results)

    private static readonly string CartQueue = RecordingQueues.Of<CartEventReceived>();

    private RunningSystem _system = null!;
    private GatewayLoad _load = null!;
    private EngineProcess _engine = null!;
    private static PostgresContainer _postgres = null!;
    private static BrokerContainer _broker = null!;

    private static Npgsql.NpgsqlDataSource Database => _postgres.Database;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _broker = await BrokerContainer.StartAsync();
        _postgres = await PostgresContainer.StartAsync();
        _system = await RunningSystem.StartAsync(engines: 0,
            gatewaySettings: new Dictionary<string, string?>(_broker.Settings) { ["POSTGRES_CONNECTION"] = _postgres.ConnectionString });
        _engine = await StartEngineAsync("survival", consumers: 1);
        _load = new GatewayLoad(_system.Http.BaseAddress!, RunningSystem.AdminToken, Database);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _load?.Dispose();
        _engine?.Dispose();
        if (_system is not null) await _system.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        if (_broker is not null) await _broker.DisposeAsync();
    }

    [Test]
    public async Task PostgreSQL_stopped_and_restarted_under_load_loses_nothing_and_doubles_nothing()
    {
        await SurviveAsync("PostgreSQL outage", _postgres.StopAsync, _postgres.StartAgainAsync, acceptsDuringOutage: true);
    }

    // MassTransit 8.4 sometimes never reconnected one of the engine's receive endpoints after a broker
    // restart under load (MassTransit issues #2072, #5692, #5705). On 8.5.12 it reconnects by itself
    // (docs/decisions/consumer-watchdog.md): this test fails if the engine does not consume again
    // within 90 s of the broker serving. The container's graceful stop (about 7 s) and cold boot
    // (8-18 s) make 15-26 s of 503s: the load runs 40 s so that it goes on well past the broker's return.
    [Test]
    public async Task RabbitMQ_stopped_and_restarted_under_load_loses_nothing_and_doubles_nothing()
    {
        await SurviveAsync("RabbitMQ outage", _broker.StopAsync, _broker.StartAgainAsync, acceptsDuringOutage: false, TimeSpan.FromSeconds(40));
    }

    [Test]
    public async Task An_engine_killed_and_restarted_under_load_loses_nothing_and_doubles_nothing()
    {
        await SurviveAsync("Engine killed", _engine.KillAsync, async () =>
        {
            _engine.Dispose();
            _engine = await StartEngineAsync("restarted", consumers: 1);
        }, acceptsDuringOutage: true);
    }

    [Test]
    public async Task A_second_engine_joining_under_load_loses_nothing_and_doubles_nothing()
    {
        EngineProcess? second = null;
        try
        {
            // Both consume the same queues (RabbitMQ shares the messages out) and take turns on the
            // projections' checkpoints, until the end of the load and the checks.
            await SurviveAsync("Two engines", async () => second = await StartEngineAsync("second", consumers: 2), () => Task.CompletedTask,
                acceptsDuringOutage: true);
        }
        finally
        {
            second?.Dispose();
        }
    }

    [Test]
    public async Task The_engine_running_the_projections_killed_under_load_hands_them_to_the_other_engine()
    {
        // Both engines consume. Marten's daemon runs a database's projections on one engine only, the
        // one holding that database's advisory lock; the other takes the lock of a dead engine.
        const int daemonLocks = 1; // the one database's
        EngineProcess? standby = await StartEngineAsync("standby", consumers: 2);
        try
        {
            var holders = await Poll.UntilAsync(ProjectionLockHoldersAsync, h => h.Values.Sum() == daemonLocks, TimeSpan.FromSeconds(30),
                "the projections running on one engine");
            var busiest = holders.MaxBy(h => h.Value).Key;
            var (killed, survivor) = busiest == ApplicationName(_engine.Name) ? (_engine, standby) : (standby, _engine);
            TestContext.Out.WriteLine($"projection locks before the kill: {string.Join(", ", holders.Select(h => $"{h.Key} {h.Value}"))}; killing {killed.Name}");
            await SurviveAsync("Projection engine killed", killed.KillAsync, async () =>
                await Poll.UntilAsync(ProjectionLockHoldersAsync, h => h.GetValueOrDefault(ApplicationName(survivor.Name)) == daemonLocks,
                    TimeSpan.FromSeconds(30), $"engine {survivor.Name} running every projection"), acceptsDuringOutage: true);
            if (killed == _engine)
            {
                _engine.Dispose();
                (_engine, standby) = (standby, null); // the survivor serves the fixture's other tests
            }
        }
        finally
        {
            standby?.Dispose();
        }
    }

    /// <summary>
    /// How many projection locks each engine holds: Marten's session-level advisory locks in the run's
    /// database, by the holder's application name (the engine's transaction-scoped append lock is not one).
    /// </summary>
    private static async Task<Dictionary<string, int>> ProjectionLockHoldersAsync()
    {
        await using var cmd = Database.CreateCommand("""
            SELECT a.application_name, count(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'engine-%'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.objid::bigint NOT IN (7246001, 7246002)
            GROUP BY a.application_name
            """);
        var holders = new Dictionary<string, int>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) holders[reader.GetString(0)] = reader.GetInt32(1);
        return holders;
    }

    private static string ApplicationName(string engineName) => "engine-" + engineName;

    [Test]
    public async Task A_poison_message_goes_to_the_error_queue_and_blocks_nothing()
    {
        var company = await _system.CreateCompanyAsync("Poison");
        var queue = CartQueue;
        await using var connection = await _broker.OpenConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var errorsBefore = await QueueCounts.MessagesAsync(connection, queue + "_error");

        // Not a message at all: MassTransit cannot read it, so no retry can help.
        await channel.BasicPublishAsync("", queue, false, new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true },
            Encoding.UTF8.GetBytes("{\"message\": {\"this is\": \"not a CartEventReceived\""));

        var run = await _load.SteadyRateAsync(company.CompanyKey, Rate, TimeSpan.FromSeconds(3));
        await AssertEachAcceptedEventOnceAsync(company, run);
        await Poll.UntilAsync(() => QueueCounts.MessagesAsync(connection, queue + "_error"), n => n == errorsBefore + 1, TimeSpan.FromSeconds(30),
            "the poison message in the error queue, where an operator sees it");
    }

    /// <summary>Starts a supervised engine process and waits until the cart queue has <paramref name="consumers"/> consumers.</summary>
    private static async Task<EngineProcess> StartEngineAsync(string name, int consumers)
    {
        var engine = EngineProcess.Start(name, new Dictionary<string, string?>(_broker.EngineEnvironment())
        {
            ["POSTGRES_CONNECTION"] = _postgres.ConnectionString + ";Application Name=" + ApplicationName(name),
        });
        await using var connection = await _broker.OpenConnectionAsync();
        await Poll.UntilAsync(() => QueueCounts.ConsumersAsync(connection, CartQueue), n => n >= consumers, TimeSpan.FromSeconds(60),
            $"engine {name} consuming ({consumers} consumer(s) on {CartQueue})");
        return engine;
    }

    // Once the broker serves again, the gateway's bus reconnects by itself and accepts within this.
    private static readonly TimeSpan AcceptsAgainWithin = TimeSpan.FromSeconds(5);

    /// <param name="acceptsDuringOutage">False for the broker's outage: 503s meanwhile, and 202s again soon after it serves.</param>
    private async Task SurviveAsync(string fault, Func<Task> stop, Func<Task> start, bool acceptsDuringOutage, TimeSpan? loadFor = null)
    {
        var company = await _system.CreateCompanyAsync(fault);
        int accepted = 0, refused = 0;
        long servingAt = long.MaxValue, firstAcceptedAfter = 0; // Stopwatch timestamps
        var load = _load.SteadyRateAsync(company.CompanyKey, Rate, loadFor ?? TimeSpan.FromSeconds(20), ok =>
        {
            if (!ok)
            {
                Interlocked.Increment(ref refused);
                return;
            }
            Interlocked.Increment(ref accepted);
            var now = Stopwatch.GetTimestamp();
            if (now >= Volatile.Read(ref servingAt)) Interlocked.CompareExchange(ref firstAcceptedAfter, now, 0);
        });

        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref accepted)), n => n >= 2 * Rate, TimeSpan.FromSeconds(20), "load before the fault");
        var timeline = new FaultTimeline(fault);
        await stop();
        timeline.Mark("stopped");
        try
        {
            var atStop = Volatile.Read(ref accepted);
            // The outage lasts until the load has run on for about three seconds against it.
            if (acceptsDuringOutage)
                await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref accepted)), n => n >= atStop + 3 * Rate, TimeSpan.FromSeconds(20),
                    $"events accepted during the fault ({fault}): the gateway only needs the broker");
            else
                await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref refused)), n => n >= 2 * Rate, TimeSpan.FromSeconds(20),
                    "about two seconds of 503s while RabbitMQ is down (the client keeps those and retries: not accepted, not counted)");
        }
        finally
        {
            await start();
            Volatile.Write(ref servingAt, Stopwatch.GetTimestamp());
            timeline.Mark("started (serving)");
        }
        if (!acceptsDuringOutage)
        {
            var first = await Poll.UntilAsync(() => Task.FromResult(Interlocked.Read(ref firstAcceptedAfter)), t => t != 0, TimeSpan.FromSeconds(30),
                "a 202 after the broker serves again", failOnTimeout: false);
            if (first != 0) timeline.Mark($"first 202 ({Stopwatch.GetElapsedTime(servingAt, first).TotalSeconds:0.0} s after serving)", first);
            await using (var connection = await _broker.OpenConnectionAsync())
                await Poll.UntilAsync(() => QueueCounts.ConsumersAsync(connection, CartQueue), n => n >= 1, TimeSpan.FromSeconds(90),
                    "the engine consuming again (its bus reconnecting by itself)");
            timeline.Mark("engine consuming again");
            TestContext.Out.WriteLine(timeline);
            Assert.That(first, Is.Not.Zero, $"{fault}: no 202 within 30 s of the broker serving again; {timeline}");
            Assert.That(Stopwatch.GetElapsedTime(servingAt, first), Is.LessThanOrEqualTo(AcceptsAgainWithin), $"{fault}: the gateway accepting again soon; {timeline}");
        }
        var run = await load;
        Assert.That(run.Accepted, Has.Count.GreaterThan(10 * Rate), $"{fault}: the load ran ({run.Refused} refused)");
        await AssertEachAcceptedEventOnceAsync(company, run, timeline.StopRequestedUtc);
        TestContext.Out.WriteLine($"{fault}: engine restarted by its supervisor {_engine.Restarts.Count} time(s) (exit codes: {string.Join(", ", _engine.Restarts)})");
    }

    /// <summary>When each step of a fault happened, counted from the stop request, for the test's output.</summary>
    private sealed class FaultTimeline(string fault)
    {
        private readonly long _stopRequested = Stopwatch.GetTimestamp();
        private readonly List<string> _steps = [];

        public DateTime StopRequestedUtc { get; } = DateTime.UtcNow;

        public void Mark(string step, long? at = null) =>
            _steps.Add($"{step} +{Stopwatch.GetElapsedTime(_stopRequested, at ?? Stopwatch.GetTimestamp()).TotalSeconds:0.0} s");

        public override string ToString() => $"{fault} timeline: stop requested {StopRequestedUtc:HH:mm:ss.fff}, {string.Join(", ", _steps)}";
    }

    /// <summary>Every accepted event stored once and decided once; after a replay the figures equal live.</summary>
    private async Task AssertEachAcceptedEventOnceAsync(TestCompany company, GatewayLoad.Run run, DateTime? faultAtUtc = null)
    {
        var ids = run.Accepted.Select(a => a.EventId).ToList();
        var found = await Poll.UntilAsync(() => StoredEvents.FindAsync(ids, Database), found => found.Count == ids.Count, TimeSpan.FromSeconds(120), "every accepted event stored",
            failOnTimeout: false);
        var missing = run.Accepted.Where(a => !found.ContainsKey(a.EventId)).ToList();
        Assert.That(missing, Is.Empty, "accepted but never stored: " + string.Join(", ", missing.Take(10).Select(a =>
            $"{a.EventId} sent {a.SentUtc:HH:mm:ss.fff} accepted after {a.AcceptMs:0} ms")) + (faultAtUtc is { } f ? $"; fault at {f:HH:mm:ss.fff}" : ""));
        await _load.WaitUntilVisibleAsync(run, TimeSpan.FromSeconds(120));
        await Projections.WaitForNonStaleAsync(database: Database);
        Assert.That(await StoredEvents.StreamsOutOfStepAsync(database: Database), Is.Empty, "every stored event in a stream row at its last version");
        // A refused event may have reached the broker before its answer failed; a client resends it with
        // the same eventId, so it counts once either way. Nothing else may be stored, nothing twice.
        var refusedButStored = (await StoredEvents.FindAsync(run.RefusedIds, Database)).Count;
        var stored = await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey, Database);
        Assert.Multiple(async () =>
        {
            Assert.That(stored, Is.EqualTo(ids.Count + refusedButStored), "0 lost, 0 counted twice, nothing that was not sent");
            Assert.That(await DecisionsAsync(company.CompanyKey), Is.EqualTo(stored), "one decision per stored event");
        });

        var live = (await company.GetJsonAsync("/v1/revenue/summary")).GetRawText();
        Assert.That((await company.ReplayAsync(TimeSpan.FromSeconds(60))).GetProperty("status").GetString(), Is.EqualTo("completed"));
        await Projections.WaitForNonStaleAsync(database: Database);
        Assert.That((await company.GetJsonAsync("/v1/revenue/summary")).GetRawText(), Is.EqualTo(live), "replay equals live");
    }

    private static async Task<long> DecisionsAsync(string companyKey)
    {
        await using var cmd = Database.CreateCommand(
            "SELECT count(*) FROM event_store.documents WHERE type = 'attribution_decision' AND starts_with(id, $1)");
        cmd.Parameters.AddWithValue(companyKey + ":");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
