using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.IntegrationTests.Infrastructure;
using Marten;
using Npgsql;

namespace Attribution.IntegrationTests.EventStore;

/// <summary>
/// Marten's daemon may skip a gap in the event sequence that stays open longer than its stale
/// threshold. Appends hold one lock until they commit, so an open gap is always a rolled-back
/// append, never an event still to come: under concurrent appends, rolled-back sequence numbers and
/// an append that stays open for seconds, every committed event reaches the projection exactly once.
/// </summary>
public sealed class DaemonIntegrityTests
{
    private const int Writers = 4;
    private const int AppendsPerWriter = 150;

    [Test]
    public async Task Under_concurrent_appends_gaps_and_a_slow_commit_the_daemon_skips_no_event_and_applies_each_once()
    {
        var prefix = $"integrity-{Guid.NewGuid():N}-";
        var options = new EventStoreOptions();
        CounterEvents.Register(options.Events);
        var projection = new CounterProjection(prefix);
        options.AddProjection(projection, ProjectionLifecycle.Async);
        var slow = new SlowOnce(TimeSpan.FromSeconds(4)); // longer than Marten's 3 s stale-sequence threshold
        options.AddProjection(slow, ProjectionLifecycle.Inline);
        var store = MartenEventStore.Create(TestServices.Database, options);

        var daemon = await store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        try
        {
            using var stop = new CancellationTokenSource();
            var gaps = BurnSequenceNumbers(stop.Token);
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < AppendsPerWriter; i++)
                {
                    // Several streams per append, and one append that stalls its transaction for seconds.
                    var slowOne = w == 0 && i == AppendsPerWriter / 2;
                    await store.AppendAsync(
                    [
                        new StreamAppend($"{prefix}{w}-{i % 7}", "tenant-a", ExpectedVersion.Any,
                            [new NewEvent(Guid.NewGuid(), new CounterEvents.V1.Incremented(slowOne ? SlowOnce.Marker : 1))]),
                        new StreamAppend($"{prefix}{w}-{(i + 3) % 7}", "tenant-b", ExpectedVersion.Any,
                            [new NewEvent(Guid.NewGuid(), new CounterEvents.V1.Incremented(1))]),
                    ]);
                }
            })).ToList();
            await Task.WhenAll(writers);
            await stop.CancelAsync();
            var burnt = await gaps;

            var reader = new DocumentReader(TestServices.Database);
            const int expected = Writers * AppendsPerWriter * 2;
            var counted = await Poll.UntilAsync(
                async () => (await reader.LoadAllAsync<Counter>(projection.DocumentType)).Where(c => c.Id.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Events),
                n => n >= expected, TimeSpan.FromSeconds(60), $"all {expected} events projected");
            Assert.That(burnt, Is.GreaterThan(0), "sequence numbers were rolled back while appending");
            Assert.That(slow.Stalled, Is.True, "one append held its transaction open past the stale threshold");
            Assert.That(counted, Is.EqualTo(expected), "every committed event applied, none twice");
        }
        finally
        {
            await daemon.StopAllAsync();
        }
    }

    /// <summary>Takes sequence numbers in transactions that roll back, as a failed append does.</summary>
    private static async Task<int> BurnSequenceNumbers(CancellationToken stop)
    {
        var burnt = 0;
        while (!stop.IsCancellationRequested)
        {
            await using var connection = await TestServices.Database.OpenConnectionAsync(CancellationToken.None);
            await using var tx = await connection.BeginTransactionAsync(CancellationToken.None);
            await using (var cmd = new NpgsqlCommand("SELECT nextval('event_store.mt_events_sequence')", connection, tx))
                await cmd.ExecuteScalarAsync(CancellationToken.None);
            await tx.RollbackAsync(CancellationToken.None);
            burnt++;
            try { await Task.Delay(20, stop); } catch (OperationCanceledException) { }
        }
        return burnt;
    }

    /// <summary>An inline projection that holds the append transaction open once, on the marked event.</summary>
    private sealed class SlowOnce(TimeSpan stall) : IProjection
    {
        public const decimal Marker = 1.000001m;
        private int _stalled;

        public bool Stalled => _stalled == 1;

        public string Name => "slow_once";

        public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
        {
            if (batch.Events.Any(e => e.Data is CounterEvents.V1.Incremented { By: Marker }) && Interlocked.Exchange(ref _stalled, 1) == 0)
                await Task.Delay(stall, ct);
        }

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) => Task.CompletedTask;
    }
}
