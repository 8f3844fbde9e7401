using System.Diagnostics;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Attribution.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.EventStore;

/// <summary>The engine's appends: batches of streams, of one company or several.</summary>
public interface IEventStore
{
    /// <summary>
    /// Appends to one or more streams, in one transaction per database. Events whose id is already
    /// stored are skipped (idempotent append); a stream whose events were all duplicates is not
    /// version-checked, so a redelivered message succeeds instead of conflicting.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default);
}

/// <summary>
/// Marten holds the events (mt_events, mt_streams: string stream keys, the company as conjoined
/// tenant) and appends them through its sessions. What stays here is what the engine needs and
/// Marten lacks: group commit and idempotent appends (see the Appending part), and reads of many
/// streams, ids or data values in one statement for the deciding and projecting batches, which
/// Marten's LINQ cannot express; they deserialize through the same stored names Marten uses.
/// </summary>
public sealed partial class MartenEventStore(NpgsqlDataSource dataSource, EventStoreOptions options, Lazy<IDocumentStore> marten) : IEventStore
{
    /// <summary>Held for the length of an append transaction; makes sequence order = commit order.</summary>
    internal const long AppendLockKey = 7_246_002;

    internal static readonly ActivitySource Activity = new("Attribution.EventStore");

    /// <summary>The store's metrics (appends, projections).</summary>
    internal static readonly System.Diagnostics.Metrics.Meter Meter = new("Attribution.EventStore");

    // Beside the meter: static fields initialize in text order within one file, not across a partial class's files.
    private static readonly System.Diagnostics.Metrics.Counter<long> WrittenUnderLock =
        Meter.CreateCounter<long>("event_store.append.rewritten_under_lock", "{group}",
            "Group writes whose early read went stale before the lock (another writer on the same streams) and were written again under the lock");

    /// <summary>Marten's event table.</summary>
    public const string Events = MartenConfiguration.Schema + ".mt_events";

    /// <summary>Marten's stream table.</summary>
    public const string Streams = MartenConfiguration.Schema + ".mt_streams";

    /// <summary>Marten's daemon progression table.</summary>
    public const string Progression = MartenConfiguration.Schema + ".mt_event_progression";

    /// <summary>
    /// A store outside a container (tests, benchmarks, tools), over its own Marten store on the data
    /// source, with the asynchronous projections of <paramref name="options"/> as its daemon's subscriptions.
    /// </summary>
    public static MartenEventStore Create(NpgsqlDataSource dataSource, EventStoreOptions options)
    {
        MartenEventStore? store = null;
        store = new MartenEventStore(dataSource, options, new Lazy<IDocumentStore>(() =>
        {
            var opts = MartenConfiguration.Configure(new StoreOptions(), options);
            opts.Connection(dataSource);
            var runner = new ProjectionRunner(dataSource, store!, options);
            MartenConfiguration.Subscribe(opts, options, _ => runner,
                options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Projection), NullLoggerFactory.Instance);
            return new DocumentStore(opts);
        }));
        return store;
    }

    /// <summary>The Marten store underneath (its daemon, its sessions).</summary>
    public IDocumentStore Marten => marten.Value;

    private const string SelectColumns = "seq_id, id, stream_id, version, tenant_id, type, data, headers->>'traceparent', correlation_id, causation_id, timestamp";

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadStreamAsync(connection, streamId, fromVersion, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(NpgsqlConnection connection, string streamId, long fromVersion, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE stream_id = $1 AND version >= $2 ORDER BY version", connection);
        cmd.Parameters.AddWithValue(streamId);
        cmd.Parameters.AddWithValue(fromVersion);
        return await ReadEvents(cmd, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterSequence, int maxCount, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE seq_id > $1 ORDER BY seq_id LIMIT $2", connection);
        cmd.Parameters.AddWithValue(afterSequence);
        cmd.Parameters.AddWithValue(maxCount);
        return await ReadEvents(cmd, ct);
    }

    /// <summary>
    /// The next events after a position (of the given stored types only, unless null), and the position
    /// the store was read up to: past the last event returned, and when fewer than <paramref name="maxCount"/>
    /// came back, up to the newest event of any type. Safe because sequence order is commit order (the
    /// append lock): everything up to the newest sequence seen has committed.
    /// </summary>
    internal async Task<(IReadOnlyList<StoredEvent> Events, long ReadUpTo)> ReadNextAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, long afterSequence, int maxCount, string[]? typeNames, CancellationToken ct)
    {
        // One round trip, the newest sequence first, then the events: whatever the second statement
        // misses was appended after the first.
        await using var batch = new NpgsqlBatch(connection, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT coalesce(max(seq_id), 0) FROM {Events}"));
        var read = new NpgsqlBatchCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE seq_id > $1"
            + (typeNames is null ? "" : " AND type = ANY($3)") + " ORDER BY seq_id LIMIT $2")
        {
            Parameters = { new() { Value = afterSequence }, new() { Value = maxCount } },
        };
        if (typeNames is not null) read.Parameters.Add(new() { Value = typeNames });
        batch.BatchCommands.Add(read);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var newest = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        var events = await ReadEvents(reader, ct);
        var last = events.Count > 0 ? events[^1].Sequence : afterSequence;
        return (events, events.Count == maxCount ? last : Math.Max(last, newest));
    }

    /// <summary>Events after one position up to another, in global order; of the given stored types only, unless null.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadRangeAsync(
        NpgsqlConnection connection, long afterSequence, long upToSequence, string[]? typeNames, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE seq_id > $1 AND seq_id <= $2"
            + (typeNames is null ? "" : " AND type = ANY($3)") + " ORDER BY seq_id", connection);
        cmd.Parameters.AddWithValue(afterSequence);
        cmd.Parameters.AddWithValue(upToSequence);
        if (typeNames is not null) cmd.Parameters.AddWithValue(typeNames);
        return await ReadEvents(cmd, ct);
    }

    /// <summary>One tenant's events after a position, in global order (a rebuild of one company's read models); of the given stored types only, unless null.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadTenantAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string tenantId, long afterSequence, long upToSequence, int maxCount,
        string[]? typeNames, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE tenant_id = $1 AND seq_id > $2 AND seq_id <= $3"
            + (typeNames is null ? "" : " AND type = ANY($5)") + " ORDER BY seq_id LIMIT $4",
            connection, tx);
        cmd.Parameters.AddWithValue(tenantId);
        cmd.Parameters.AddWithValue(afterSequence);
        cmd.Parameters.AddWithValue(upToSequence);
        cmd.Parameters.AddWithValue(maxCount);
        if (typeNames is not null) cmd.Parameters.AddWithValue(typeNames);
        return await ReadEvents(cmd, ct);
    }

    /// <summary>Events by tenant and id (Marten's <c>Events.Load</c>), in global order; ids not stored are left out.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsByIdAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyCollection<(string TenantId, Guid Id)> keys, CancellationToken ct)
    {
        if (keys.Count == 0) return [];
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::text[], $2::uuid[])) ORDER BY seq_id",
            connection, tx);
        cmd.Parameters.AddWithValue(keys.Select(k => k.TenantId).ToArray());
        cmd.Parameters.AddWithValue(keys.Select(k => k.Id).ToArray());
        return await ReadEvents(cmd, ct);
    }

    /// <summary>All events of the given streams, in global order (for folding several streams at once).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamsAsync(
        NpgsqlConnection connection, IReadOnlyCollection<string> streamIds, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE stream_id = ANY($1) ORDER BY seq_id", connection);
        cmd.Parameters.AddWithValue(streamIds.ToArray());
        return await ReadEvents(cmd, ct);
    }

    /// <summary>
    /// Events of a tenant, of the given stored types, whose top-level data field has one of the
    /// values (Marten: a LINQ query over event data). Back it with an expression index per field.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> QueryByDataFieldAsync(
        NpgsqlConnection connection, string tenantId, IReadOnlyCollection<string> typeNames, string field,
        IReadOnlyCollection<string> values, CancellationToken ct)
    {
        if (!field.All(char.IsAsciiLetterOrDigit)) throw new ArgumentException("Field names are plain identifiers.", nameof(field));
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM {Events} WHERE tenant_id = $1 AND type = ANY($2) AND data->>'{field}' = ANY($3) ORDER BY seq_id",
            connection);
        cmd.Parameters.AddWithValue(tenantId);
        cmd.Parameters.AddWithValue(typeNames.ToArray());
        cmd.Parameters.AddWithValue(values.ToArray());
        return await ReadEvents(cmd, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEvents(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await ReadEvents(reader, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEvents(NpgsqlDataReader reader, CancellationToken ct)
    {
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(5);
            events.Add(new StoredEvent(
                Sequence: reader.GetInt64(0),
                Id: reader.GetGuid(1),
                StreamId: reader.GetString(2),
                Version: reader.GetInt64(3),
                TenantId: reader.GetString(4),
                TypeName: type,
                Data: options.Events.Deserialize(type, StoredJson.Utf8(reader, 6)),
                Metadata: new EventMetadata
                {
                    TraceParent = reader.IsDBNull(7) ? null : reader.GetString(7),
                    CorrelationId = reader.IsDBNull(8) ? null : reader.GetString(8),
                    CausationId = reader.IsDBNull(9) ? null : reader.GetString(9),
                },
                Timestamp: reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return events;
    }
}
