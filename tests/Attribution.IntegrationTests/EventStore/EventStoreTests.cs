using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.IntegrationTests.Infrastructure;
using Marten;

namespace Attribution.IntegrationTests.EventStore;

/// <summary>The store on Marten against real PostgreSQL.</summary>
public sealed class EventStoreTests
{
    private string _prefix = "";
    private EventStoreOptions _options = null!;
    private MartenEventStore _store = null!;

    [SetUp]
    public void SetUp()
    {
        _prefix = $"counter-{Guid.NewGuid():N}-";
        _options = new EventStoreOptions();
        CounterEvents.Register(_options.Events);
        _store = MartenEventStore.Create(TestServices.Database, _options);
    }

    private static NewEvent Inc(decimal by, Guid? id = null) => new(id ?? Guid.NewGuid(), new CounterEvents.V1.Incremented(by));

    private Task<AppendResult> Append(string stream, ExpectedVersion expected, params NewEvent[] events) =>
        _store.AppendAsync([new StreamAppend(_prefix + stream, "tenant-a", expected, events)]);

    /// <summary>An asynchronous counter projection of this test's streams, with a runner and a reader for it.</summary>
    private (CounterProjection Projection, ProjectionRunner Runner, DocumentReader Reader) AsyncCounter()
    {
        var projection = new CounterProjection(_prefix);
        _options.AddProjection(projection, ProjectionLifecycle.Async);
        return (projection, new ProjectionRunner(TestServices.Database, _store, _options), new DocumentReader(TestServices.Database));
    }

    /// <summary>The counters of this test's streams.</summary>
    private async Task<List<Counter>> CountersAsync(DocumentReader reader, CounterProjection projection) =>
        (await reader.LoadAllAsync<Counter>(projection.DocumentType)).Where(c => c.Id.StartsWith(_prefix, StringComparison.Ordinal)).ToList();

    [Test]
    public async Task Appends_give_stream_versions_and_an_increasing_global_sequence()
    {
        await Append("a", ExpectedVersion.NoStream, Inc(1), Inc(2));
        await Append("a", ExpectedVersion.Exactly(2), Inc(3));

        var events = await _store.ReadStreamAsync(_prefix + "a");
        Assert.That(events.Select(e => e.Version), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(events.Select(e => e.Sequence), Is.Ordered.Ascending);
        Assert.That(events.Select(e => ((CounterEvents.V1.Incremented)e.Data).By), Is.EqualTo(new[] { 1m, 2m, 3m }));
        Assert.That(events.Select(e => e.TypeName).Distinct(), Is.EqualTo(new[] { "test_incremented.v1" }));
    }

    [Test]
    public async Task Every_stream_row_stays_at_its_last_events_version_through_conflicts_duplicates_and_group_commits()
    {
        await Append("integrity-a", ExpectedVersion.NoStream, Inc(1), Inc(2));
        await Append("integrity-a", ExpectedVersion.Exactly(2), Inc(3));
        Assert.ThrowsAsync<EventStoreConcurrencyException>(() => Append("integrity-a", ExpectedVersion.Exactly(1), Inc(9)));
        var duplicate = Guid.NewGuid();
        await Append("integrity-b", ExpectedVersion.Any, Inc(1, duplicate));
        await Append("integrity-b", ExpectedVersion.Any, Inc(1, duplicate));
        // Appends that share group transactions, several streams each.
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => _store.AppendAsync(
        [
            new StreamAppend($"{_prefix}integrity-group-{i % 4}", "tenant-a", ExpectedVersion.Any, [Inc(i)]),
            new StreamAppend($"{_prefix}integrity-own-{i}", "tenant-a", ExpectedVersion.NoStream, [Inc(i), Inc(i)]),
        ])));

        Assert.That(await StoredEvents.StreamsOutOfStepAsync(_prefix), Is.Empty, "streams whose row and events disagree");
        Assert.That((await _store.ReadStreamAsync(_prefix + "integrity-a")).Select(e => e.Version), Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(await _store.ReadStreamAsync(_prefix + "integrity-b"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_stale_expected_version_is_a_concurrency_conflict_and_stores_nothing()
    {
        await Append("b", ExpectedVersion.NoStream, Inc(1), Inc(1));

        var conflict = Assert.ThrowsAsync<EventStoreConcurrencyException>(() => Append("b", ExpectedVersion.Exactly(1), Inc(5)));
        Assert.That(conflict!.ActualVersion, Is.EqualTo(2));
        Assert.That(conflict.ExpectedVersion, Is.EqualTo(1));
        Assert.That(await _store.ReadStreamAsync(_prefix + "b"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Of_two_concurrent_writers_expecting_the_same_version_exactly_one_wins()
    {
        await Append("c", ExpectedVersion.NoStream, Inc(1));

        var attempts = Enumerable.Range(0, 8).Select(async _ =>
        {
            try { await Append("c", ExpectedVersion.Exactly(1), Inc(1)); return true; }
            catch (EventStoreConcurrencyException) { return false; }
        });
        var outcomes = await Task.WhenAll(attempts);

        Assert.That(outcomes.Count(won => won), Is.EqualTo(1));
        Assert.That(await _store.ReadStreamAsync(_prefix + "c"), Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Concurrent_appends_that_share_a_group_transaction_each_get_their_own_outcome()
    {
        await Append("g0", ExpectedVersion.NoStream, Inc(1));
        var duplicate = Guid.NewGuid();

        // Started together, most of these wait for the writer and commit in one transaction.
        var fresh = Enumerable.Range(1, 40).Select(i => Append($"g{i}", ExpectedVersion.NoStream, Inc(i), Inc(i))).ToList();
        var stale = Append("g0", ExpectedVersion.NoStream, Inc(99));
        var sameIdTwice = new[] { Append("h", ExpectedVersion.Any, Inc(5, duplicate)), Append("h", ExpectedVersion.Any, Inc(5, duplicate)) };

        var written = await Task.WhenAll(fresh);
        Assert.ThrowsAsync<EventStoreConcurrencyException>(() => stale, "a stale expectation fails its own caller only");
        var twice = await Task.WhenAll(sameIdTwice);

        Assert.That(written.Select(r => r.Appended), Is.All.EqualTo(2));
        Assert.That(written.SelectMany(r => r.Events).Select(e => e.Sequence), Is.Unique);
        for (var i = 1; i <= 40; i++)
            Assert.That((await _store.ReadStreamAsync(_prefix + $"g{i}")).Select(e => e.Version), Is.EqualTo(new long[] { 1, 2 }));
        Assert.That(await _store.ReadStreamAsync(_prefix + "g0"), Has.Count.EqualTo(1));
        Assert.That(twice.Sum(r => r.Appended), Is.EqualTo(1), "the same event id from two callers is stored once");
        Assert.That(twice.Select(r => r.Events[0].Sequence).Distinct().Count(), Is.EqualTo(1), "both report where it is");
        Assert.That(await _store.ReadStreamAsync(_prefix + "h"), Has.Count.EqualTo(1));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Two_stores_appending_to_the_same_streams_at_once_store_each_event_once_in_version_order(bool inlineProjection)
    {
        // Two engines' stores, each reading the streams before taking the append lock: the other's commit
        // in between makes the early plan clash, and the append is written again under the lock. With an
        // inline projection, whose documents must commit with the events, every group takes the lock first.
        var inline = new CounterProjection(_prefix);
        if (inlineProjection) _options.AddProjection(inline, ProjectionLifecycle.Inline);
        var other = MartenEventStore.Create(TestServices.Database, _options);
        var shared = Enumerable.Range(0, 3).Select(i => $"{_prefix}shared-{i}").ToArray();
        var repeated = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        var calls = Enumerable.Range(0, 120).Select(async i =>
        {
            var append = new StreamAppend(shared[i % 3], "tenant-a", ExpectedVersion.Any, [Inc(i), Inc(i, repeated[i % 20])]);
            if (i % 3 == 0) return (await _store.AppendAsync([append])).Appended;
            if (i % 3 == 1) return (await other.AppendAsync([append])).Appended;
            // The reactor's way: inside its own transaction, committed after.
            await using var connection = await TestServices.Database.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            var result = await other.AppendInTransactionAsync(tx, [append]);
            await tx.CommitAsync();
            return result.Appended;
        });

        var rewritten = 0L;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "event_store.append.rewritten_under_lock") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref rewritten, value));
        listener.Start();

        var appended = await Task.WhenAll(calls);
        TestContext.Out.WriteLine($"appends written again under the lock after a clash: {Interlocked.Read(ref rewritten)}");

        var stored = (await Task.WhenAll(shared.Select(s => _store.ReadStreamAsync(s)))).SelectMany(e => e).ToList();
        Assert.That(appended.Sum(), Is.EqualTo(120 + 20), "every new event is reported appended once, every repeat as a duplicate");
        Assert.That(stored, Has.Count.EqualTo(120 + 20));
        Assert.That(stored.Select(e => e.Id), Is.Unique);
        foreach (var stream in stored.GroupBy(e => e.StreamId))
        {
            Assert.That(stream.OrderBy(e => e.Sequence).Select(e => e.Version), Is.EqualTo(Enumerable.Range(1, stream.Count()).Select(v => (long)v)),
                $"{stream.Key}: versions follow the sequence, with no gap");
        }
        Assert.That(await StoredEvents.StreamsOutOfStepAsync(_prefix), Is.Empty, "streams whose row and events disagree");
        if (!inlineProjection) return;
        var reader = new DocumentReader(TestServices.Database);
        foreach (var stream in stored.GroupBy(e => e.StreamId))
            Assert.That(await reader.LoadAsync<Counter>(inline.DocumentType, stream.Key),
                Is.EqualTo(new Counter(stream.Key, stream.Count(), stream.Sum(e => ((CounterEvents.V1.Incremented)e.Data).By), stream.Max(e => e.Version))),
                $"{stream.Key}: the inline document folds each stored event once");
    }

    [Test]
    public async Task An_append_cancelled_before_a_group_took_it_is_never_written()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        Assert.CatchAsync<OperationCanceledException>(() =>
            _store.AppendAsync([new StreamAppend(_prefix + "x", "tenant-a", ExpectedVersion.Any, [Inc(1)])], cancelled.Token));
        await Append("y", ExpectedVersion.Any, Inc(2)); // the next group passes over the abandoned append

        Assert.That(await _store.ReadStreamAsync(_prefix + "x"), Is.Empty);
        Assert.That(await _store.ReadStreamAsync(_prefix + "y"), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_same_event_id_twice_is_stored_once_even_with_a_stale_expected_version()
    {
        var id = Guid.NewGuid();
        var first = await Append("d", ExpectedVersion.NoStream, Inc(7, id));
        var again = await Append("d", ExpectedVersion.NoStream, Inc(7, id)); // a redelivered message
        var twiceInBatch = Guid.NewGuid();
        var inOneBatch = await Append("d", ExpectedVersion.Any, Inc(1, id), Inc(2, twiceInBatch), Inc(2, twiceInBatch));

        Assert.That(first.Appended, Is.EqualTo(1));
        Assert.That(again.Appended, Is.Zero);
        Assert.That(again.Duplicates, Is.EqualTo(1));
        Assert.That(again.Events[0].Sequence, Is.EqualTo(first.Events[0].Sequence), "a duplicate reports where the original is");
        Assert.That(inOneBatch.Appended, Is.EqualTo(1));
        var stored = await _store.ReadStreamAsync(_prefix + "d");
        Assert.That(stored.Select(e => ((CounterEvents.V1.Incremented)e.Data).By), Is.EqualTo(new[] { 7m, 2m }));
    }

    [Test]
    public async Task A_multi_stream_append_is_one_transaction()
    {
        await Append("e1", ExpectedVersion.NoStream, Inc(1));

        Assert.ThrowsAsync<EventStoreConcurrencyException>(() => _store.AppendAsync(
        [
            new StreamAppend(_prefix + "e2", "tenant-a", ExpectedVersion.NoStream, [Inc(1)]),
            new StreamAppend(_prefix + "e1", "tenant-a", ExpectedVersion.NoStream, [Inc(1)]),
        ]));

        Assert.That(await _store.ReadStreamAsync(_prefix + "e2"), Is.Empty, "the first stream's append rolled back with the second");
    }

    [Test]
    public async Task An_inline_projection_commits_with_the_events()
    {
        var inline = new CounterProjection(_prefix);
        _options.AddProjection(inline, ProjectionLifecycle.Inline);

        await Append("f", ExpectedVersion.Any, Inc(2), Inc(3));

        var doc = await new DocumentReader(TestServices.Database).LoadAsync<Counter>(inline.DocumentType, _prefix + "f");
        Assert.That(doc, Is.EqualTo(new Counter(_prefix + "f", 2, 5m, 2)));
    }

    [Test]
    public async Task The_daemon_resumes_from_its_checkpoint_after_a_restart_and_applies_each_event_once()
    {
        var (projection, runner, reader) = AsyncCounter();

        var daemon = await _store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await Append("g", ExpectedVersion.Any, Inc(1), Inc(1), Inc(1));
        await Poll.UntilAsync(() => reader.LoadAsync<Counter>(projection.DocumentType, _prefix + "g"),
            c => c?.Events == 3, TimeSpan.FromSeconds(30), "first three events projected");
        await daemon.StopAllAsync();
        var checkpointAtStop = await runner.CheckpointOfAsync(projection.Name, CancellationToken.None);

        var lastBatch = await Append("g", ExpectedVersion.Any, Inc(10), Inc(10)); // while no daemon runs

        var restarted = await _store.Marten.BuildProjectionDaemonAsync();
        await restarted.StartAllAsync();
        var counter = await Poll.UntilAsync(() => reader.LoadAsync<Counter>(projection.DocumentType, _prefix + "g"),
            c => c?.Events >= 5, TimeSpan.FromSeconds(30), "events appended during the stop projected");
        await restarted.StopAllAsync();

        Assert.That(counter, Is.EqualTo(new Counter(_prefix + "g", 5, 23m, 5)), "each event applied exactly once");
        Assert.That(checkpointAtStop, Is.GreaterThan(0));
        Assert.That(await runner.CheckpointOfAsync(projection.Name, CancellationToken.None),
            Is.GreaterThanOrEqualTo(lastBatch.Events.Max(e => e.Sequence)));
    }

    [Test]
    public async Task A_follower_takes_in_events_appended_while_it_runs_and_stops_when_told()
    {
        var (projection, runner, reader) = AsyncCounter();

        using var stop = new CancellationTokenSource();
        var following = runner.FollowAsync(projection, stop.Token, CancellationToken.None);
        for (var i = 0; i < 5; i++) await Append("k", ExpectedVersion.Any, Inc(1), Inc(2));
        var counter = await Poll.UntilAsync(() => reader.LoadAsync<Counter>(projection.DocumentType, _prefix + "k"),
            c => c?.Events == 10, TimeSpan.FromSeconds(30), "the appends taken in by the follower, no daemon running");
        await stop.CancelAsync();
        await following.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(counter, Is.EqualTo(new Counter(_prefix + "k", 10, 15m, 10)));
        Assert.That(following.IsCompletedSuccessfully, Is.True);
    }

    [Test]
    public async Task A_follower_and_the_daemon_together_apply_each_event_once()
    {
        var (projection, runner, reader) = AsyncCounter();

        var daemon = await _store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        using var stop = new CancellationTokenSource();
        var following = runner.FollowAsync(projection, stop.Token, CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Append($"m{i % 4}", ExpectedVersion.Any, Inc(i), Inc(0.5m))));
        await Poll.UntilAsync(async () => (await CountersAsync(reader, projection)).Sum(c => c.Events),
            n => n >= 80, TimeSpan.FromSeconds(30), "all 80 events projected");
        await stop.CancelAsync();
        await following;
        await daemon.StopAllAsync();
        var counters = await CountersAsync(reader, projection);

        Assert.That(counters.Sum(c => c.Events), Is.EqualTo(80), "each event applied once");
        Assert.That(counters.Sum(c => c.Total), Is.EqualTo(Enumerable.Range(0, 40).Sum() + 40 * 0.5m));
    }

    [Test]
    public async Task A_rebuild_from_sequence_zero_equals_the_live_projection()
    {
        var (projection, runner, reader) = AsyncCounter();

        for (var i = 0; i < 20; i++)
            await Append($"h{i % 4}", ExpectedVersion.Any, Inc(i), Inc(0.5m));
        var daemon = await _store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await Poll.UntilAsync(async () => (await CountersAsync(reader, projection)).Sum(c => c.Events),
            n => n == 40, TimeSpan.FromSeconds(30), "all 40 events projected live");
        await daemon.StopAllAsync();
        var live = await CountersAsync(reader, projection);

        var replayed = await runner.RebuildAsync(projection, CancellationToken.None);
        var rebuilt = await CountersAsync(reader, projection);

        Assert.That(live, Has.Count.EqualTo(4));
        Assert.That(live.Sum(c => c.Events), Is.EqualTo(40));
        Assert.That(rebuilt, Is.EqualTo(live));
        Assert.That(replayed, Is.GreaterThanOrEqualTo(40));
    }
}
