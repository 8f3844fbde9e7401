using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Attribution.EventStore.Projections;
using Npgsql;
using Marten;
using NpgsqlTypes;

namespace Attribution.EventStore;

/// <summary>
/// Appending into Marten's event tables, with group commit, set-based (see <see cref="WriteRows"/>).
/// Marten appends one session at a time and fails a duplicate event id; the engine's consumers
/// append many small batches at once and see redeliveries, so this part keeps both on top of
/// Marten: one transaction for all concurrent callers, and ids already stored skipped. Every append holds the store-wide append lock until it commits
/// (sequence order = commit order, so a projection never skips an event that commits late), which
/// makes the lock the one place all writers queue. Appends that arrive while another is in flight
/// therefore wait in <see cref="_pending"/> and go together in the next transaction: one lock,
/// one WAL flush and the same few round trips (lock and look-ups, rows, inline projections, commit)
/// for all of them instead of for each.
/// Each caller still gets its own all-or-nothing outcome: a caller whose expected version does not
/// hold fails alone, and the others commit. A caller's events are serialized and checked before
/// they join a group (<see cref="Storability"/>), and a group that the database still refuses for
/// its data is retried caller by caller, so one unstorable event never fails its neighbours.
/// An event id is unique within its tenant, not across tenants.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The writer's SemaphoreSlim is only awaited; without AvailableWaitHandle it holds nothing to dispose.")]
public sealed partial class MartenEventStore
{
    /// <summary>At most this many events per group transaction (a single larger append still goes alone).</summary>
    private const int GroupEventLimit = 10_000;

    private readonly ConcurrentQueue<PendingAppend> _pending = new();
    private readonly SemaphoreSlim _writer = new(1, 1);

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        using var activity = Activity.StartActivity("event_store append");
        activity?.SetTag("event_store.streams", appends.Count);

        // The caller's trace goes with its events, whichever caller's transaction writes them.
        var request = PendingAppend.Prepare(WithTraceParent(appends, System.Diagnostics.Activity.Current?.Id));
        _pending.Enqueue(request);
        try
        {
            // Whoever holds the writer commits everything queued so far, often this request with it.
            while (!request.Outcome.Task.IsCompleted)
            {
                await _writer.WaitAsync(ct);
                try
                {
                    // Not the caller's token: the group's transaction writes other callers' events too.
                    if (!request.Outcome.Task.IsCompleted) await CommitGroupAsync(TakeGroup(), CancellationToken.None);
                }
                finally
                {
                    _writer.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Not claimed by any group: it will never be written. Claimed: its outcome stands, so wait for it.
            if (request.TryAbandon()) throw;
        }

        var result = await request.Outcome.Task;
        activity?.SetTag("event_store.appended", result.Appended);
        return result;
    }

    /// <summary>
    /// Appends inside the caller's transaction instead of a group's: the events commit (or roll back)
    /// with the caller's own writes, such as a projection's checkpoint. The append lock is then held
    /// until the caller commits, so the caller appends last and commits soon. The commit waits for
    /// the WAL flush even where the caller chose asynchronous commit: events are published once
    /// committed and must never be lost after that.
    /// Throws <see cref="EventStoreConcurrencyException"/> on a version clash, as <see cref="AppendAsync"/> reports it.
    /// </summary>
    public async Task<AppendResult> AppendInTransactionAsync(NpgsqlTransaction tx, IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        using var activity = Activity.StartActivity("event_store append");
        activity?.SetTag("event_store.streams", appends.Count);
        var request = PendingAppend.Prepare(WithTraceParent(appends, System.Diagnostics.Activity.Current?.Id));
        request.TryClaim();
        var connection = tx.Connection!;
        await using (var durable = new NpgsqlCommand("SET LOCAL synchronous_commit = on", connection, tx))
            await durable.ExecuteNonQueryAsync(ct);
        var (plan, existing, stored) = await WriteGroupAsync(connection, tx, [request], ct);
        if (request.Outcome.Task.IsFaulted) await request.Outcome.Task; // the version clash
        return ResultOf(request, plan, existing, stored);
    }

    private List<PendingAppend> TakeGroup()
    {
        var group = new List<PendingAppend>();
        var events = 0;
        while (_pending.TryPeek(out var next) && (group.Count == 0 || events + next.EventCount <= GroupEventLimit))
        {
            _pending.TryDequeue(out _);
            if (!next.TryClaim()) continue; // its caller gave up
            group.Add(next);
            events += next.EventCount;
        }
        return group;
    }

    private async Task CommitGroupAsync(List<PendingAppend> group, CancellationToken ct)
    {
        if (group.Count == 0) return;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            GroupWrite written;
            if (!InlineProjectionsTake(group) && await TryWriteWithoutWaitingAsync(connection, group, ct) is { } committed)
                written = committed;
            else
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                written = await WriteGroupAsync(connection, tx, group, ct);
                await tx.CommitAsync(ct);
            }
            var (plan, existing, stored) = written;

            foreach (var request in group.Where(r => !r.Outcome.Task.IsCompleted))
                request.Outcome.TrySetResult(ResultOf(request, plan, existing, stored));
        }
        catch (PostgresException ex) when (IsDataException(ex) && group.Count(r => !r.Outcome.Task.IsCompleted) > 1)
        {
            // Something the checks before grouping missed: retry each caller alone, so only the culprit fails.
            foreach (var request in group.Where(r => !r.Outcome.Task.IsCompleted))
                await CommitGroupAsync([request], ct);
        }
        catch (Exception ex)
        {
            foreach (var request in group) request.Outcome.TrySetException(ex);
        }
    }

    /// <summary>What a group transaction wrote: its plan, the ids already stored before it, and the events it stored.</summary>
    private sealed record GroupWrite(GroupPlan Plan, Dictionary<EventKey, AppendedEvent> Existing, Dictionary<EventKey, StoredEvent> Stored);

    /// <summary>Takes the append lock, checks each request against the streams as the requests before it left them, writes the rows and the inline projections; no commit.</summary>
    private async Task<GroupWrite> WriteGroupAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<PendingAppend> group, CancellationToken ct)
    {
        var (existing, versions) = await Load(connection, tx, group, takeLock: true, ct);
        var plan = new GroupPlan(existing, versions);
        foreach (var request in group)
            if (plan.TryAdd(request) is { } conflict)
                request.Outcome.TrySetException(conflict);

        var stored = plan.Rows.Count > 0 ? await WriteRows(connection, tx, plan, takeLock: false, ct) : [];
        await ApplyInlineProjectionsAsync(connection, tx, stored, ct);
        return new GroupWrite(plan, existing, stored);
    }

    /// <summary>
    /// The append lock is the one place every writer queues, so the round trips and the client's own
    /// work between them are kept out of it: the stored ids and stream versions are read before the
    /// lock, and the lock and the rows go in one round trip, outside a transaction,
    /// which PostgreSQL runs as one implicit transaction (an Npgsql batch): it commits too, and the
    /// lock is held for the server's work alone. Anything that commits in between on the same streams
    /// makes a version or id clash on Marten's unique indexes (a concurrent append to a stream takes
    /// the version this plan took): the write then rolls back and returns null, as it does when a
    /// request's expected version fails against the early read, and the caller writes under the lock.
    /// Appends that must join a transaction (the reactor's, or events an inline projection folds) take
    /// the lock first instead: a savepoint to roll back to made the replay's appends slower.
    /// </summary>
    private async Task<GroupWrite?> TryWriteWithoutWaitingAsync(NpgsqlConnection connection, List<PendingAppend> group, CancellationToken ct)
    {
        var (existing, versions) = await Load(connection, null, group, takeLock: false, ct);
        var plan = new GroupPlan(existing, versions);
        if (group.Any(request => plan.TryAdd(request) is not null)) return null;
        if (plan.Rows.Count == 0) return new GroupWrite(plan, existing, []); // every event already stored: nothing to lock for

        Dictionary<EventKey, StoredEvent> stored;
        try
        {
            stored = await WriteRows(connection, null, plan, takeLock: true, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            WrittenUnderLock.Add(1);
            return null;
        }
        return new GroupWrite(plan, existing, stored);
    }

    /// <summary>Whether an inline projection folds any of the group's events (they need a transaction to join).</summary>
    private bool InlineProjectionsTake(List<PendingAppend> group) =>
        options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).Any(p =>
            p.Projection.EventTypes is not { } types
            || group.SelectMany(r => r.Appends).SelectMany(a => a.Events).Any(e => types.Contains(e.Data.GetType())));

    private async Task ApplyInlineProjectionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Dictionary<EventKey, StoredEvent> stored, CancellationToken ct)
    {
        if (stored.Count == 0) return;
        var inOrder = stored.Values.OrderBy(e => e.Sequence).ToList();
        foreach (var inline in options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline))
            await inline.Projection.ApplyAsync(new ProjectionBatch(connection, tx, inOrder), ct);
    }

    private static AppendResult ResultOf(
        PendingAppend request, GroupPlan plan, Dictionary<EventKey, AppendedEvent> existing, Dictionary<EventKey, StoredEvent> stored)
    {
        var reported = new HashSet<EventKey>(); // an id twice in one request is written once, reported fresh once
        return new AppendResult(request.Appends
            .SelectMany(a => a.Events.Select(e => new EventKey(a.TenantId, e.Id)).Select(key =>
                Outcome(key, a.StreamId, plan.IsFreshIn(request, key) && reported.Add(key), existing, stored)))
            .ToList());
    }

    /// <summary>SQLSTATE class 22 (data exception): the rows themselves are refused, so a retry of the same rows fails again.</summary>
    public static bool IsDataException(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal);

    private static AppendedEvent Outcome(
        EventKey key, string streamId, bool fresh, Dictionary<EventKey, AppendedEvent> existing, Dictionary<EventKey, StoredEvent> stored)
    {
        if (fresh && stored.TryGetValue(key, out var e)) return new AppendedEvent(key.Id, e.StreamId, e.Version, e.Sequence, WasDuplicate: false);
        if (existing.TryGetValue(key, out var before)) return before;
        // A duplicate of an event another request of the same group wrote.
        return stored.TryGetValue(key, out var sibling)
            ? new AppendedEvent(key.Id, sibling.StreamId, sibling.Version, sibling.Sequence, WasDuplicate: true)
            : new AppendedEvent(key.Id, streamId, 0, 0, WasDuplicate: true);
    }

    /// <summary>An event's identity in the store: its id within its tenant.</summary>
    private readonly record struct EventKey(string TenantId, Guid Id);

    /// <summary>A stream's identity in the store: its key within its tenant (Marten's conjoined tenancy).</summary>
    private readonly record struct StreamKey(string TenantId, string StreamId);

    /// <summary>One round trip: the ids and stream versions already stored, after taking the append lock when <paramref name="takeLock"/> (then seeing everything committed before it).</summary>
    private static async Task<(Dictionary<EventKey, AppendedEvent> Existing, Dictionary<StreamKey, long> Versions)> Load(
        NpgsqlConnection connection, NpgsqlTransaction? tx, List<PendingAppend> group, bool takeLock, CancellationToken ct)
    {
        var keys = group.SelectMany(r => r.Appends).SelectMany(a => a.Events.Select(e => new EventKey(a.TenantId, e.Id))).Distinct().ToArray();
        var streams = group.SelectMany(r => r.Appends).Select(a => new StreamKey(a.TenantId, a.StreamId)).Distinct().ToArray();

        await using var batch = new NpgsqlBatch(connection, tx);
        if (takeLock) batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({AppendLockKey})"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT e.id, e.tenant_id, e.stream_id, e.version, e.seq_id FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, id)
            CROSS JOIN LATERAL (SELECT id, tenant_id, stream_id, version, seq_id FROM {Events}
                                WHERE tenant_id = k.tenant_id AND id = k.id) e
            """)
            { Parameters = { new() { Value = keys.Select(k => k.TenantId).ToArray() }, new() { Value = keys.Select(k => k.Id).ToArray() } } });
        // One primary-key probe per id, whatever the statistics say (a lateral subquery cannot be hashed):
        // for a replay's groups of thousands of ids, "id = ANY($1)" and a plain join both scanned and
        // hashed the whole streams table (50-90 ms a group instead of about 5).
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT s.tenant_id, s.id, s.version FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id)
            CROSS JOIN LATERAL (SELECT tenant_id, id, version FROM {Streams} WHERE tenant_id = k.tenant_id AND id = k.id) s
            """)
            { Parameters = { new() { Value = streams.Select(s => s.TenantId).ToArray() }, new() { Value = streams.Select(s => s.StreamId).ToArray() } } });

        var existing = new Dictionary<EventKey, AppendedEvent>();
        var versions = new Dictionary<StreamKey, long>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (takeLock) await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            existing[new EventKey(reader.GetString(1), id)] =
                new AppendedEvent(id, reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), WasDuplicate: true);
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct)) versions[new StreamKey(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
        return (existing, versions);
    }

    /// <summary>
    /// Writes the group's rows into Marten's tables as Marten's quick append does (the same columns, the
    /// sequence <c>mt_events_sequence</c>, the stream versions in <c>mt_streams</c>), but set-based: one
    /// statement for the streams and one for the events. Marten's quick append calls a function per
    /// stream that inserts its events one by one, and the engine's decisions are a stream each, so a
    /// reactor page of a few hundred decisions made as many calls and most of the reactor's time. The
    /// versions are the plan's, checked under the append lock; the engine never archives streams, so
    /// Marten's archived-stream guard has nothing to refuse.
    /// </summary>
    /// <param name="takeLock">Take the append lock first, in the same round trip.</param>
    private async Task<Dictionary<EventKey, StoredEvent>> WriteRows(
        NpgsqlConnection connection, NpgsqlTransaction? tx, GroupPlan plan, bool takeLock, CancellationToken ct)
    {
        var rows = plan.Rows;
        await using var batch = new NpgsqlBatch(connection, tx);
        if (takeLock) batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_advisory_xact_lock({AppendLockKey})"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {Streams} (tenant_id, id, version, timestamp)
            SELECT tenant_id, id, version, now() FROM unnest($1::varchar[], $2::varchar[], $3::bigint[]) AS s(tenant_id, id, version)
            ON CONFLICT (tenant_id, id) DO UPDATE SET version = greatest({Streams}.version, excluded.version), timestamp = now()
            """)
        {
            Parameters =
            {
                new() { Value = plan.Streams.Keys.Select(k => k.TenantId).ToArray() },
                new() { Value = plan.Streams.Keys.Select(k => k.StreamId).ToArray() },
                new() { Value = plan.Streams.Values.ToArray() },
            },
        });
        // WITH ORDINALITY keeps the callers' order in the sequence, so a stream's versions follow it.
        // clock_timestamp(), not now(): an event's timestamp is when it was written, not when its
        // transaction began (a reactor page's transaction begins before the page's reads).
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {Events} (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, correlation_id, causation_id, headers)
            SELECT nextval('{MartenConfiguration.Schema}.mt_events_sequence'), id, stream_id, version, data, type, tenant_id, clock_timestamp(), dotnet_type, false, correlation_id, causation_id, headers
            FROM unnest($1::uuid[], $2::varchar[], $3::bigint[], $4::jsonb[], $5::varchar[], $6::varchar[], $7::varchar[], $8::varchar[], $9::varchar[], $10::jsonb[])
                 WITH ORDINALITY AS r(id, stream_id, version, data, type, tenant_id, dotnet_type, correlation_id, causation_id, headers, ord)
            ORDER BY ord
            RETURNING seq_id, tenant_id, id, timestamp, type
            """)
        {
            Parameters =
            {
                new() { Value = rows.Select(r => r.Event.Id).ToArray() },
                new() { Value = rows.Select(r => r.StreamId).ToArray() },
                new() { Value = rows.Select(r => r.Version).ToArray() },
                new() { Value = rows.Select(r => r.Json.Data).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = rows.Select(r => options.Events.NameOf(r.Event.Data.GetType())).ToArray() },
                new() { Value = rows.Select(r => r.TenantId).ToArray() },
                new() { Value = rows.Select(r => DotNetTypeName(r.Event.Data.GetType())).ToArray() },
                new() { Value = rows.Select(r => r.Event.Metadata?.CorrelationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar },
                new() { Value = rows.Select(r => r.Event.Metadata?.CausationId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Varchar },
                new() { Value = rows.Select(r => r.Json.Headers).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        });

        var assigned = new Dictionary<EventKey, (long Sequence, DateTimeOffset Timestamp, string Type)>(rows.Count);
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            // The events' RETURNING follows the lock's row (the streams' upsert returns none).
            if (takeLock) await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                assigned[new EventKey(reader.GetString(1), reader.GetGuid(2))] =
                    (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4));
            while (await reader.NextResultAsync(ct)) { } // a failure of any statement surfaces here
        }

        return rows.ToDictionary(r => new EventKey(r.TenantId, r.Event.Id), r =>
        {
            var (sequence, timestamp, type) = assigned[new EventKey(r.TenantId, r.Event.Id)];
            return new StoredEvent(sequence, r.Event.Id, r.StreamId, r.Version, r.TenantId, type, r.Event.Data, r.Event.Metadata!, timestamp);
        });
    }

    /// <summary>Marten's <c>mt_dotnet_type</c>: the type's full name and its assembly's.</summary>
    private static string DotNetTypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    private static List<StreamAppend> WithTraceParent(IReadOnlyList<StreamAppend> appends, string? traceParent) =>
        appends.Select(a => a.Events.All(e => e.Metadata is not null)
                ? a
                : a with { Events = a.Events.Select(e => e.Metadata is null ? e with { Metadata = new EventMetadata { TraceParent = traceParent } } : e).ToList() })
            .ToList();

    /// <summary>An event's data, metadata and Marten headers (the traceparent, or null) as the UTF-8 JSON written to jsonb.</summary>
    private sealed record EventJson(byte[] Data, byte[] Metadata, byte[]? Headers);

    /// <summary>A caller's append waiting for a group transaction; claimed by the group that writes it, or abandoned by a cancelled caller.</summary>
    private sealed class PendingAppend(IReadOnlyList<StreamAppend> appends, Dictionary<NewEvent, EventJson> json)
    {
        private const int Waiting = 0, Claimed = 1, Abandoned = 2;
        private int _state = Waiting;

        /// <summary>
        /// Serializes the caller's events on the caller's own thread and checks that the store can hold
        /// them; throws <see cref="UnstorableEventException"/> to this caller alone when it cannot.
        /// </summary>
        public static PendingAppend Prepare(IReadOnlyList<StreamAppend> appends)
        {
            var json = new Dictionary<NewEvent, EventJson>(ReferenceEqualityComparer.Instance);
            var problems = new Dictionary<(string TenantId, Guid Id), string>();
            foreach (var append in appends)
            {
                var textProblem = Storability.ProblemOfText(append.StreamId) ?? Storability.ProblemOfText(append.TenantId);
                foreach (var e in append.Events)
                {
                    if (json.ContainsKey(e)) continue;
                    try
                    {
                        var prepared = new EventJson(StoredJson.Utf8Of(e.Data), StoredJson.Utf8Of(e.Metadata),
                            e.Metadata?.TraceParent is { } traceParent
                                ? StoredJson.Utf8Of(new Dictionary<string, string> { [Projections.EventHeaders.TraceParent] = traceParent })
                                : null);
                        var problem = textProblem ?? Storability.ProblemOfJson(prepared.Data) ?? Storability.ProblemOfJson(prepared.Metadata);
                        if (problem is null) json[e] = prepared;
                        else problems[(append.TenantId, e.Id)] = problem;
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or NotSupportedException)
                    {
                        problems[(append.TenantId, e.Id)] = "it cannot be serialized: " + ex.Message; // invalid UTF-16, say
                    }
                }
            }
            if (problems.Count > 0) throw new UnstorableEventException(problems);
            return new PendingAppend(appends, json);
        }

        public IReadOnlyList<StreamAppend> Appends { get; } = appends;

        public EventJson JsonOf(NewEvent e) => json[e];
        public int EventCount { get; } = appends.Sum(a => a.Events.Count);
        public TaskCompletionSource<AppendResult> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;

        public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Waiting) == Waiting;
    }

    private sealed record PendingRow(NewEvent Event, EventJson Json, string StreamId, string TenantId, long Version);

    /// <summary>The rows of a group transaction, built request by request; a request that conflicts adds nothing.</summary>
    private sealed class GroupPlan(Dictionary<EventKey, AppendedEvent> existing, Dictionary<StreamKey, long> versions)
    {
        private readonly HashSet<EventKey> _seen = [];
        private readonly Dictionary<PendingAppend, HashSet<EventKey>> _fresh = [];

        public List<PendingRow> Rows { get; } = [];
        public Dictionary<StreamKey, long> Streams { get; } = [];

        public bool IsFreshIn(PendingAppend request, EventKey key) => _fresh.TryGetValue(request, out var keys) && keys.Contains(key);

        /// <summary>Adds the request's new events, or returns why its expected version does not hold.</summary>
        public EventStoreConcurrencyException? TryAdd(PendingAppend request)
        {
            var rows = new List<PendingRow>();
            var streams = new Dictionary<StreamKey, long>();
            var fresh = new HashSet<EventKey>();
            foreach (var append in request.Appends)
            {
                // Events already stored (or written by an earlier request of this group) are skipped, and a
                // stream whose events were all duplicates is not version-checked: a redelivery succeeds.
                var newEvents = append.Events
                    .Where(e => new EventKey(append.TenantId, e.Id) is var key && !existing.ContainsKey(key) && !_seen.Contains(key) && fresh.Add(key))
                    .ToList();
                if (newEvents.Count == 0) continue;

                var stream = new StreamKey(append.TenantId, append.StreamId);
                var current = streams.TryGetValue(stream, out var mine) ? mine
                    : Streams.TryGetValue(stream, out var group) ? group
                    : versions.GetValueOrDefault(stream);
                if (append.ExpectedVersion != ExpectedVersion.Any && append.ExpectedVersion.Value != current)
                    return new EventStoreConcurrencyException(append.StreamId, append.ExpectedVersion.Value, current);

                foreach (var e in newEvents) rows.Add(new PendingRow(e, request.JsonOf(e), append.StreamId, append.TenantId, ++current));
                streams[stream] = current;
            }

            Rows.AddRange(rows);
            foreach (var (id, stream) in streams) Streams[id] = stream;
            _seen.UnionWith(fresh);
            _fresh[request] = fresh;
            return null;
        }
    }
}
