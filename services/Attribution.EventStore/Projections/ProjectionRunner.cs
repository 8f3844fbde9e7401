using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>
/// Applies pages of events to one asynchronous projection (handed over by Marten's daemon through
/// <see cref="ProjectionSubscription"/>), and rebuilds it. The projection's checkpoint row is locked
/// for the whole transaction and commits with its writes, so a page is applied exactly once even
/// when Marten's own progression (committed just after) is lost to a crash, and a rebuild of one
/// tenant and the live daemon simply take turns.
/// </summary>
public sealed class ProjectionRunner(NpgsqlDataSource dataSource, MartenEventStore store, EventStoreOptions options)
{
    private static readonly Meter Meter = MartenEventStore.Meter;
    private static readonly Counter<long> Applied = Meter.CreateCounter<long>("event_store.projection.events_applied");
    private static readonly Histogram<double> Lag = Meter.CreateHistogram<double>("event_store.projection.lag", "ms",
        "Time from append to projection commit");

    /// <summary>Applies a page of events up to <paramref name="ceiling"/>, skipping any the checkpoint has passed.</summary>
    public async Task ApplyAsync(IProjection projection, IReadOnlyList<StoredEvent> page, long ceiling, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // The projection's writes and its checkpoint commit together and can be applied again from
        // the events, so they need not wait for the WAL flush: a database crash loses at most the
        // last moments of progress, consistently, and the daemon redoes them from the checkpoint.
        var checkpoint = await LockCheckpoint(connection, tx, projection.Name, ct, asyncCommit: true);
        if (checkpoint >= ceiling)
        {
            await tx.RollbackAsync(ct);
            return;
        }

        var events = page.Where(e => e.Sequence > checkpoint).ToList();
        if (events.Count > 0)
            using (StartActivity(projection, events))
                await projection.ApplyAsync(new ProjectionBatch(connection, tx, events), ct);
        await SaveCheckpoint(connection, tx, projection.Name, ceiling, ct);
        await tx.CommitAsync(ct);
        if (events.Count == 0) return;

        Applied.Add(events.Count, new KeyValuePair<string, object?>("projection", projection.Name));
        Lag.Record((DateTimeOffset.UtcNow - events[^1].Timestamp).TotalMilliseconds,
            new KeyValuePair<string, object?>("projection", projection.Name));
    }

    /// <summary>
    /// Takes the projection past every event stored now, a page at a time, as the daemon would: for a
    /// replay that must see its own revisions in the read models before it reports. Each page goes
    /// through <see cref="ApplyAsync"/>, so a page the daemon applies meanwhile is applied once either way.
    /// </summary>
    public async Task CatchUpAsync(IProjection projection, CancellationToken ct)
    {
        var end = await StoreEndAsync(ct);
        while (await CheckpointOfAsync(projection.Name, ct) is var checkpoint && checkpoint < end)
        {
            IReadOnlyList<StoredEvent> page;
            long readUpTo;
            await using (var connection = await dataSource.OpenConnectionAsync(ct))
                (page, readUpTo) = await store.ReadNextAsync(connection, null, checkpoint, options.DaemonBatchSize * 5, TypeNamesOf(projection), ct);
            var ceiling = Math.Min(readUpTo, end);
            await ApplyAsync(projection, [.. page.Where(e => e.Sequence <= ceiling)], ceiling, ct);
        }
    }

    /// <summary>
    /// Follows the store as the daemon does until <paramref name="until"/> is cancelled: takes the
    /// projection past every event stored now, waits one polling interval, and again. A replay runs it
    /// while it appends its revisions, so the read models take them in meanwhile rather than all after
    /// it; the daemon, where it runs the projection too, takes turns with it page by page.
    /// </summary>
    public async Task FollowAsync(IProjection projection, CancellationToken until, CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(until, ct);
        while (!until.IsCancellationRequested)
        {
            // Not cancelled by `until`: a page under way commits rather than being thrown away.
            await CatchUpAsync(projection, ct);
            try
            {
                await Task.Delay(options.DaemonFastPolling, either.Token);
            }
            catch (OperationCanceledException) when (until.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The projection's events after <paramref name="after"/> up to <paramref name="upTo"/>, as stored now.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadPageAsync(IProjection projection, long after, long upTo, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await store.ReadRangeAsync(connection, after, upTo, TypeNamesOf(projection), ct);
    }

    /// <summary>
    /// Deletes what the projection wrote and replays every event from sequence 0, in one
    /// transaction: readers see the old read model until the new one is complete.
    /// </summary>
    public async Task<long> RebuildAsync(IProjection projection, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await LockCheckpoint(connection, tx, projection.Name, ct);
        await projection.ResetAsync(connection, tx, ct);

        long position = 0, applied = 0;
        while (true)
        {
            var (events, readUpTo) = await ReadNextAsync(connection, tx, projection, position, options.DaemonBatchSize * 5, ct);
            if (events.Count > 0) await projection.ApplyAsync(new ProjectionBatch(connection, tx, events), ct);
            applied += events.Count;
            if (readUpTo == position) break;
            position = readUpTo;
        }

        await SaveCheckpoint(connection, tx, projection.Name, position, ct);
        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>
    /// Rebuilds one tenant's part of a projection up to the projection's checkpoint, in one transaction
    /// that holds the checkpoint: the live daemon waits, then goes on from where it was.
    /// </summary>
    public async Task<long> RebuildTenantAsync(ITenantProjection projection, string tenantId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var checkpoint = await LockCheckpoint(connection, tx, projection.Name, ct);
        await projection.ResetTenantAsync(connection, tx, tenantId, ct);

        var inMemory = projection.StartTenantRebuild(tenantId);
        long applied = 0;
        await foreach (var events in ReadAheadAsync(projection, tenantId, checkpoint, ct))
        {
            var batch = new ProjectionBatch(connection, tx, events);
            await (inMemory is null ? projection.ApplyAsync(batch, ct) : inMemory.ApplyAsync(batch, ct));
            applied += events.Count;
        }
        if (inMemory is not null) await inMemory.CompleteAsync(connection, tx, ct);

        await tx.CommitAsync(ct);
        return applied;
    }

    /// <summary>
    /// A tenant's events up to a checkpoint, read on a connection of their own while the caller applies
    /// the batch before. Reading outside the rebuild's transaction is safe: every event up to a
    /// checkpoint has committed (sequence order is commit order), and the rebuild writes no events.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<StoredEvent>> ReadAheadAsync(
        ITenantProjection projection, string tenantId, long upTo, [EnumeratorCancellation] CancellationToken ct)
    {
        var batches = Channel.CreateBounded<IReadOnlyList<StoredEvent>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(async () =>
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stop.Token);
                long position = 0;
                while (true)
                {
                    var events = await store.ReadTenantAsync(connection, null, tenantId, position, upTo, options.DaemonBatchSize * 5, TypeNamesOf(projection), stop.Token);
                    if (events.Count == 0) break;
                    await batches.Writer.WriteAsync(events, stop.Token);
                    position = events[^1].Sequence;
                }
                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var events in batches.Reader.ReadAllAsync(ct)) yield return events;
        }
        finally
        {
            await stop.CancelAsync(); // the caller stopped early (it threw): the reader stops too
            await reading;
        }
    }

    /// <summary>
    /// Waits until Marten's daemon has taken every named projection past the store as it stands now
    /// (Marten: <c>WaitForNonStaleProjectionDataAsync</c>, for these projections only). Marten records a
    /// page only after every projection of its subscription committed it. Returns false when <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<bool> WaitForNonStaleAsync(IReadOnlyCollection<string> projectionNames, TimeSpan timeout, CancellationToken ct)
    {
        var end = await StoreEndAsync(ct);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            await using (var cmd = dataSource.CreateCommand($"""
                SELECT count(*) = cardinality($1) AND min(last_seq_id) >= $2
                FROM {MartenEventStore.Progression} WHERE name = ANY($1)
                """))
            {
                cmd.Parameters.AddWithValue(ProgressionNamesOf(projectionNames));
                cmd.Parameters.AddWithValue(end);
                if ((bool?)await cmd.ExecuteScalarAsync(ct) == true) return true;
            }
            if (Stopwatch.GetTimestamp() > deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
    }

    /// <summary>The newest sequence stored now (every event up to it has committed: sequence order is commit order).</summary>
    private async Task<long> StoreEndAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {MartenEventStore.Events}");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The row in Marten's progression table of the subscription that carries one of the engine's projections (its one shard, "All").</summary>
    public static string ProgressionName(string projectionName) => ProjectionNames.SubscriptionOf(projectionName) + ":All";

    /// <summary>The progression rows of the subscriptions that carry these projections, each once: projections may share a subscription.</summary>
    public static string[] ProgressionNamesOf(IEnumerable<string> projectionNames) => projectionNames.Select(ProgressionName).Distinct().ToArray();

    public async Task<long> CheckpointOfAsync(string projectionName, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT last_seq_id FROM event_store.projection_checkpoints WHERE name = $1");
        cmd.Parameters.AddWithValue(projectionName);
        return (long?)await cmd.ExecuteScalarAsync(ct) ?? 0;
    }

    /// <summary>The projection's next events after a position, and the position read up to (past events of other types too).</summary>
    private Task<(IReadOnlyList<StoredEvent> Events, long ReadUpTo)> ReadNextAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, IProjection projection, long after, int maxCount, CancellationToken ct) =>
        store.ReadNextAsync(connection, tx, after, maxCount, TypeNamesOf(projection), ct);

    private string[]? TypeNamesOf(IProjection projection) => projection.EventTypes?.SelectMany(options.Events.StoredNamesOf).ToArray();

    // One round trip: the daemon runs this for every projection on every append notification.
    private static async Task<long> LockCheckpoint(
        NpgsqlConnection connection, NpgsqlTransaction tx, string name, CancellationToken ct, bool asyncCommit = false)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        if (asyncCommit) batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO event_store.projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING") { Parameters = { new() { Value = name } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT last_seq_id FROM event_store.projection_checkpoints WHERE name = $1 FOR UPDATE") { Parameters = { new() { Value = name } } });
        return (long)(await batch.ExecuteScalarAsync(ct))!;
    }

    private static async Task SaveCheckpoint(NpgsqlConnection connection, NpgsqlTransaction tx, string name, long position, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE event_store.projection_checkpoints SET last_seq_id = $2, updated_at = now() WHERE name = $1", connection, tx);
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(position);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    // The batch continues the trace of its first event and links the others, so a request's
    // trace id reaches the read model (gateway -> broker -> consumer -> projector). At most 128
    // links: what OTLP exporters keep by default (OTEL_SPAN_LINK_COUNT_LIMIT).
    private static Activity? StartActivity(IProjection projection, List<StoredEvent> events)
    {
        var contexts = events
            .Select(e => ActivityContext.TryParse(e.Metadata.TraceParent, null, out var c) ? c : default)
            .Where(c => c != default)
            .Distinct()
            .ToList();
        var parent = contexts.FirstOrDefault();
        var activity = MartenEventStore.Activity.StartActivity(
            $"project {projection.Name}", ActivityKind.Consumer, parent,
            links: contexts.Skip(1).Take(128).Select(c => new ActivityLink(c)));
        activity?.SetTag("event_store.projection", projection.Name);
        activity?.SetTag("event_store.events", events.Count);
        return activity;
    }
}
