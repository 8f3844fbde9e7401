using System.Text.Json.Nodes;
using Npgsql;

namespace Attribution.EventStore;

/// <summary>
/// Rewrites personal data of one tenant in place, for erasure. Marten's <c>ApplyEventDataMasking</c>
/// masks the data of given streams by event type; erasure also renames the visitor's streams (their
/// keys hold the fingerprint) and replaces the fingerprint wherever it occurs in the tenant's events
/// and documents, so it stays one statement per change, in SQL over Marten's tables.
/// Every JSON string value in <see cref="Values"/> is replaced where it is the value of one of the
/// <see cref="ValueFields"/> (at any depth) in the tenant's event data and documents, and nowhere
/// else: a fingerprint that happens to equal a currency, a product id or the tenant's own key
/// leaves those alone. Streams and documents are renamed (a stream merged into its new name
/// when that already exists); the fields in <see cref="ClearedFields"/> are set to null in the
/// renamed streams' events of that stored type. Sequence numbers do not change, so projections
/// that already applied an event are not re-run: their documents are masked with the events.
/// </summary>
public sealed record EventDataMasking(
    string TenantId,
    IReadOnlyDictionary<string, string> Values,
    IReadOnlyList<string> ValueFields,
    IReadOnlyDictionary<string, string> Streams,
    IReadOnlyDictionary<string, string> Documents,
    IReadOnlyDictionary<string, Func<JsonObject, JsonObject>> Rules);

public sealed record MaskingResult(int Events, int Streams, int Documents);

public sealed partial class MartenEventStore
{
    /// <summary>
    /// Applies <paramref name="masking"/> in one transaction that holds the append lock, so no
    /// append to a renamed stream interleaves. Idempotent: a second run finds nothing left to change
    /// (and merges a stream an in-flight append re-created under the old name).
    /// </summary>
    public async Task<MaskingResult> ApplyEventDataMaskingAsync(EventDataMasking masking, CancellationToken ct = default)
    {
        using var activity = Activity.StartActivity("event_store mask");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({AppendLockKey})", connection, tx))
            await lockCmd.ExecuteNonQueryAsync(ct);

        var streams = 0;
        foreach (var (from, to) in masking.Streams)
            streams += await ExecuteAsync(connection, tx, """
                WITH moved AS (SELECT tenant_id, version, created, timestamp FROM event_store.mt_streams WHERE tenant_id = $3 AND id = $1)
                INSERT INTO event_store.mt_streams (tenant_id, id, version, created, timestamp)
                SELECT tenant_id, $2, version, created, timestamp FROM moved
                ON CONFLICT (tenant_id, id) DO UPDATE SET version = event_store.mt_streams.version + excluded.version, timestamp = now();
                UPDATE event_store.mt_events SET stream_id = $2,
                       version = version + (SELECT version FROM event_store.mt_streams WHERE tenant_id = $3 AND id = $2)
                                         - (SELECT version FROM event_store.mt_streams WHERE tenant_id = $3 AND id = $1)
                 WHERE tenant_id = $3 AND stream_id = $1;
                DELETE FROM event_store.mt_streams WHERE tenant_id = $3 AND id = $1;
                """, ct, from, to, masking.TenantId);

        var events = 0;
        foreach (var (from, to) in masking.Values)
            events += await ExecuteAsync(connection, tx, $"""
                UPDATE event_store.mt_events e SET data = m.masked::jsonb
                FROM (SELECT seq_id, {FieldReplacements(masking.ValueFields, "data::text")} AS masked
                      FROM event_store.mt_events WHERE tenant_id = $1 AND strpos(data::text, $2) > 0) m
                WHERE e.seq_id = m.seq_id AND m.masked <> e.data::text
                """, ct, FieldParameters(masking, from, to));
        events += await ApplyRulesAsync(connection, tx, masking, ct);

        var documents = 0;
        foreach (var (from, to) in masking.Documents)
            documents += await ExecuteAsync(connection, tx, """
                DELETE FROM event_store.documents WHERE id = $2 AND EXISTS (SELECT 1 FROM event_store.documents WHERE id = $1);
                UPDATE event_store.documents SET id = $2 WHERE id = $1
                """, ct, from, to);
        foreach (var (from, to) in masking.Values)
            documents += await ExecuteAsync(connection, tx, $"""
                UPDATE event_store.documents d SET data = m.masked::jsonb
                FROM (SELECT id, {FieldReplacements(masking.ValueFields, "data::text")} AS masked
                      FROM event_store.documents WHERE starts_with(id, $1 || ':') AND strpos(data::text, $2) > 0) m
                WHERE d.id = m.id AND m.masked <> d.data::text
                """, ct, FieldParameters(masking, from, to));

        await tx.CommitAsync(ct);
        activity?.SetTag("event_store.masked_events", events);
        return new MaskingResult(events, streams, documents);
    }

    private static async Task<int> ApplyRulesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, EventDataMasking masking, CancellationToken ct)
    {
        if (masking.Rules.Count == 0) return 0;
        var changed = new List<(long Seq, string Data)>();
        await using (var read = new NpgsqlCommand(
            "SELECT seq_id, type, data::text FROM event_store.mt_events WHERE stream_id = ANY($1) AND type = ANY($2)", connection, tx))
        {
            read.Parameters.AddWithValue(masking.Streams.Values.Distinct().ToArray());
            read.Parameters.AddWithValue(masking.Rules.Keys.ToArray());
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var original = JsonNode.Parse(reader.GetString(2))!;
                var masked = masking.Rules[reader.GetString(1)](original.DeepClone().AsObject());
                if (!JsonNode.DeepEquals(original, masked)) changed.Add((reader.GetInt64(0), masked.ToJsonString()));
            }
        }
        foreach (var (seq, data) in changed)
        {
            await using var update = new NpgsqlCommand("UPDATE event_store.mt_events SET data = $2::jsonb WHERE seq_id = $1", connection, tx);
            update.Parameters.AddWithValue(seq);
            update.Parameters.AddWithValue(data);
            await update.ExecuteNonQueryAsync(ct);
        }
        return changed.Count;
    }

    private static string Quoted(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>
    /// Nested replace() calls, one per field, over PostgreSQL's canonical jsonb text ("key": value):
    /// parameters $3/$4 for the first field, $5/$6 for the next, and so on.
    /// </summary>
    private static string FieldReplacements(IReadOnlyList<string> fields, string text)
    {
        for (var i = 0; i < fields.Count; i++) text = $"replace({text}, ${3 + 2 * i}, ${4 + 2 * i})";
        return text;
    }

    /// <summary>The tenant, the quoted value (a cheap filter), then each field's needle and replacement.</summary>
    private static object[] FieldParameters(EventDataMasking masking, string from, string to) =>
        [masking.TenantId, Quoted(from), .. masking.ValueFields.SelectMany(f => new object[] { $"{Quoted(f)}: {Quoted(from)}", $"{Quoted(f)}: {Quoted(to)}" })];

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var command = new NpgsqlBatchCommand(statement);
            foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        return batch.BatchCommands[^1].RecordsAffected; // the statement that says what changed comes last
    }
}
