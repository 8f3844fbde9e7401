using System.Diagnostics;
using Attribution.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.EventStore;

/// <summary>The event store's API (Marten: <c>IDocumentSession.Events</c> + <c>IQuerySession.Events</c>).</summary>
public interface IEventStore
{
    /// <summary>
    /// Appends to one or more streams in one transaction. Events whose id is already stored are
    /// skipped (idempotent append); a stream whose events were all duplicates is not version-checked,
    /// so a redelivered message succeeds instead of conflicting.
    /// </summary>
    Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default);

    Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, CancellationToken ct = default);

    /// <summary>Events after <paramref name="afterSequence"/> in global order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterSequence, int maxCount, CancellationToken ct = default);
}

public sealed partial class PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options) : IEventStore
{
    /// <summary>Held for the length of an append transaction; makes sequence order = commit order.</summary>
    internal const long AppendLockKey = 7_246_002;

    internal const string NotificationChannel = "event_store_appended";

    internal static readonly ActivitySource Activity = new("Attribution.EventStore");

    private const string SelectColumns = "seq_id, id, stream_id, version, tenant_id, type, data::text, metadata::text, timestamp";

    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, CancellationToken ct = default)
    {
        using var activity = Activity.StartActivity("event_store append");
        activity?.SetTag("event_store.streams", appends.Count);

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AppendLockKey})", connection, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);

        var allIds = appends.SelectMany(a => a.Events.Select(e => e.Id)).ToArray();
        var existing = await LoadExisting(connection, tx, allIds, ct);
        var versions = await LoadVersions(connection, tx, appends.Select(a => a.StreamId).Distinct().ToArray(), ct);

        var results = new List<AppendedEvent>(allIds.Length);
        var seenInBatch = new HashSet<Guid>();
        var rows = new List<PendingRow>(allIds.Length);
        var streamRows = new Dictionary<string, (string Tenant, long Version)>(StringComparer.Ordinal);

        foreach (var append in appends)
        {
            var fresh = new List<NewEvent>(append.Events.Count);
            foreach (var e in append.Events)
            {
                if (existing.TryGetValue(e.Id, out var stored) || !seenInBatch.Add(e.Id))
                    results.Add(stored is null
                        ? new AppendedEvent(e.Id, append.StreamId, 0, 0, WasDuplicate: true)
                        : stored with { WasDuplicate = true });
                else
                    fresh.Add(e);
            }
            if (fresh.Count == 0) continue;

            var current = streamRows.TryGetValue(append.StreamId, out var pending)
                ? pending.Version
                : versions.GetValueOrDefault(append.StreamId);
            if (append.ExpectedVersion != ExpectedVersion.Any && append.ExpectedVersion.Value != current)
                throw new EventStoreConcurrencyException(append.StreamId, append.ExpectedVersion.Value, current);

            foreach (var e in fresh)
                rows.Add(new PendingRow(e, append.StreamId, append.TenantId, ++current));
            streamRows[append.StreamId] = (append.TenantId, current);
        }

        if (rows.Count > 0)
        {
            await UpsertStreams(connection, tx, streamRows, ct);
            var stored = await InsertEvents(connection, tx, rows, ct);
            results.AddRange(stored.Select(s => new AppendedEvent(s.Id, s.StreamId, s.Version, s.Sequence, WasDuplicate: false)));

            foreach (var inline in options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Inline))
                await inline.Projection.ApplyAsync(new ProjectionBatch(connection, tx, stored), ct);

            // Delivered on commit: wakes projection daemons without polling.
            await using var notify = new NpgsqlCommand($"SELECT pg_notify('{NotificationChannel}', '')", connection, tx);
            await notify.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        activity?.SetTag("event_store.appended", rows.Count);
        return new AppendResult(results);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE stream_id = $1 AND version >= $2 ORDER BY version", connection);
        cmd.Parameters.AddWithValue(streamId);
        cmd.Parameters.AddWithValue(fromVersion);
        return await ReadEvents(cmd, ct);
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterSequence, int maxCount, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadAllAsync(connection, null, afterSequence, maxCount, ct);
    }

    internal async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, long afterSequence, int maxCount, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE seq_id > $1 ORDER BY seq_id LIMIT $2", connection, tx);
        cmd.Parameters.AddWithValue(afterSequence);
        cmd.Parameters.AddWithValue(maxCount);
        return await ReadEvents(cmd, ct);
    }

    /// <summary>One tenant's events after a position, in global order (a rebuild of one company's read models).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadTenantAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string tenantId, long afterSequence, long upToSequence, int maxCount, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE tenant_id = $1 AND seq_id > $2 AND seq_id <= $3 ORDER BY seq_id LIMIT $4",
            connection, tx);
        cmd.Parameters.AddWithValue(tenantId);
        cmd.Parameters.AddWithValue(afterSequence);
        cmd.Parameters.AddWithValue(upToSequence);
        cmd.Parameters.AddWithValue(maxCount);
        return await ReadEvents(cmd, ct);
    }

    /// <summary>A tenant's events of the given stored types, in global order.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadTenantOfTypesAsync(
        NpgsqlConnection connection, string tenantId, IReadOnlyCollection<string> typeNames, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE tenant_id = $1 AND type = ANY($2) ORDER BY seq_id", connection);
        cmd.Parameters.AddWithValue(tenantId);
        cmd.Parameters.AddWithValue(typeNames.ToArray());
        return await ReadEvents(cmd, ct);
    }

    /// <summary>Events by id (Marten's <c>Events.Load</c>), in global order; ids not stored are left out.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadEventsByIdAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE id = ANY($1) ORDER BY seq_id", connection, tx);
        cmd.Parameters.AddWithValue(ids.ToArray());
        return await ReadEvents(cmd, ct);
    }

    /// <summary>All events of the given streams, in global order (for folding several streams at once).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamsAsync(
        NpgsqlConnection connection, IReadOnlyCollection<string> streamIds, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {SelectColumns} FROM event_store.events WHERE stream_id = ANY($1) ORDER BY seq_id", connection);
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
            $"SELECT {SelectColumns} FROM event_store.events WHERE tenant_id = $1 AND type = ANY($2) AND data->>'{field}' = ANY($3) ORDER BY seq_id",
            connection);
        cmd.Parameters.AddWithValue(tenantId);
        cmd.Parameters.AddWithValue(typeNames.ToArray());
        cmd.Parameters.AddWithValue(values.ToArray());
        return await ReadEvents(cmd, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadEvents(NpgsqlCommand cmd, CancellationToken ct)
    {
        var events = new List<StoredEvent>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
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
                Data: options.Events.Deserialize(type, reader.GetString(6)),
                Metadata: System.Text.Json.JsonSerializer.Deserialize<EventMetadata>(reader.GetString(7), EventTypeRegistry.SerializerOptions)!,
                Timestamp: reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return events;
    }

    private static async Task<Dictionary<Guid, AppendedEvent>> LoadExisting(
        NpgsqlConnection connection, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct)
    {
        var existing = new Dictionary<Guid, AppendedEvent>();
        await using var cmd = new NpgsqlCommand(
            "SELECT id, stream_id, version, seq_id FROM event_store.events WHERE id = ANY($1)", connection, tx);
        cmd.Parameters.AddWithValue(ids);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            existing[id] = new AppendedEvent(id, reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), WasDuplicate: true);
        }
        return existing;
    }

    private static async Task<Dictionary<string, long>> LoadVersions(
        NpgsqlConnection connection, NpgsqlTransaction tx, string[] streamIds, CancellationToken ct)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("SELECT id, version FROM event_store.streams WHERE id = ANY($1)", connection, tx);
        cmd.Parameters.AddWithValue(streamIds);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) versions[reader.GetString(0)] = reader.GetInt64(1);
        return versions;
    }

    private static async Task UpsertStreams(
        NpgsqlConnection connection, NpgsqlTransaction tx, Dictionary<string, (string Tenant, long Version)> streams, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO event_store.streams (id, tenant_id, version)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = now()
            """, connection, tx);
        cmd.Parameters.AddWithValue(streams.Keys.ToArray());
        cmd.Parameters.AddWithValue(streams.Values.Select(v => v.Tenant).ToArray());
        cmd.Parameters.AddWithValue(streams.Values.Select(v => v.Version).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<List<StoredEvent>> InsertEvents(
        NpgsqlConnection connection, NpgsqlTransaction tx, List<PendingRow> rows, CancellationToken ct)
    {
        var traceParent = System.Diagnostics.Activity.Current?.Id;
        var metadata = rows.Select(r => r.Event.Metadata ?? new EventMetadata { TraceParent = traceParent }).ToArray();
        var typeNames = rows.Select(r => options.Events.NameOf(r.Event.Data.GetType())).ToArray();

        // unnest keeps the batch to one round trip; WITH ORDINALITY keeps the caller's order in the sequence.
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO event_store.events (id, stream_id, version, tenant_id, type, data, metadata)
            SELECT id, stream_id, version, tenant_id, type, data, metadata
            FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[])
                 WITH ORDINALITY AS r(id, stream_id, version, tenant_id, type, data, metadata, ord)
            ORDER BY ord
            RETURNING seq_id, id, timestamp
            """, connection, tx);
        cmd.Parameters.AddWithValue(rows.Select(r => r.Event.Id).ToArray());
        cmd.Parameters.AddWithValue(rows.Select(r => r.StreamId).ToArray());
        cmd.Parameters.AddWithValue(rows.Select(r => r.Version).ToArray());
        cmd.Parameters.AddWithValue(rows.Select(r => r.TenantId).ToArray());
        cmd.Parameters.AddWithValue(typeNames);
        cmd.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => EventTypeRegistry.Serialize(r.Event.Data)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        cmd.Parameters.Add(new NpgsqlParameter { Value = metadata.Select(m => System.Text.Json.JsonSerializer.Serialize(m, EventTypeRegistry.SerializerOptions)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });

        var assigned = new Dictionary<Guid, (long Sequence, DateTimeOffset Timestamp)>(rows.Count);
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                assigned[reader.GetGuid(1)] = (reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(2));

        return rows.Select((r, i) => new StoredEvent(
                assigned[r.Event.Id].Sequence, r.Event.Id, r.StreamId, r.Version, r.TenantId,
                typeNames[i], r.Event.Data, metadata[i], assigned[r.Event.Id].Timestamp))
            .OrderBy(e => e.Sequence)
            .ToList();
    }

    private sealed record PendingRow(NewEvent Event, string StreamId, string TenantId, long Version);
}
