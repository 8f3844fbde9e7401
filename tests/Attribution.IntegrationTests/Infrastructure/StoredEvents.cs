using Npgsql;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>Looks into the run's event store (or a test's own database) directly: what the engine really recorded.</summary>
public static class StoredEvents
{
    /// <summary>Ingested events (cart, checkout, interaction, refund) of a company; the engine's own decisions are not counted.</summary>
    public static async Task<long> CountIngestedForCompanyAsync(string companyKey, NpgsqlDataSource? database = null)
    {
        await using var cmd = (database ?? TestServices.Database).CreateCommand(
            "SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND type = ANY('{cart_event_recorded.v1,checkout_recorded.v1,interaction_recorded.v1,refund_recorded.v1}')");
        cmd.Parameters.AddWithValue(companyKey);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// The store's own integrity, beyond what its foreign key checks: every event belongs to a
    /// stream row, and each stream row's version is its last event's (what the next append's
    /// expected version is checked against). The streams that break it, among those whose id
    /// starts with <paramref name="streamPrefix"/> (the whole run's database by default); none
    /// when sound.
    /// </summary>
    public static async Task<IReadOnlyList<string>> StreamsOutOfStepAsync(string streamPrefix = "", NpgsqlDataSource? database = null)
    {
        await using var cmd = (database ?? TestServices.Database).CreateCommand("""
            SELECT coalesce(e.stream_id, s.id) || ': stream row version ' || coalesce(s.version::text, 'missing')
                   || ', last event version ' || coalesce(e.last::text, 'none')
            FROM (SELECT tenant_id, stream_id, max(version) AS last FROM event_store.mt_events
                  WHERE starts_with(stream_id, $1) AND stream_id <> 'mt_tombstone' GROUP BY tenant_id, stream_id) e
            FULL JOIN (SELECT tenant_id, id, version FROM event_store.mt_streams WHERE starts_with(id, $1) AND id <> 'mt_tombstone') s
                   ON s.tenant_id = e.tenant_id AND s.id = e.stream_id
            WHERE s.id IS NULL OR e.stream_id IS NULL OR s.version <> e.last
            LIMIT 20
            """);
        cmd.Parameters.AddWithValue(streamPrefix);
        var broken = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) broken.Add(reader.GetString(0));
        return broken;
    }

    /// <summary>How often each event id is stored (0 = missing), and under which company and type.</summary>
    public static async Task<IReadOnlyDictionary<Guid, (string Tenant, string Type)>> FindAsync(IEnumerable<Guid> ids, NpgsqlDataSource? database = null)
    {
        await using var cmd = (database ?? TestServices.Database).CreateCommand("SELECT id, tenant_id, type FROM event_store.mt_events WHERE id = ANY($1)");
        cmd.Parameters.AddWithValue(ids.ToArray());
        var found = new Dictionary<Guid, (string, string)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found[reader.GetGuid(0)] = (reader.GetString(1), reader.GetString(2));
        return found;
    }

    /// <summary>Which of the ids a company has stored, and as which type.</summary>
    public static async Task<IReadOnlyDictionary<Guid, string>> FindInCompanyAsync(string companyKey, IEnumerable<Guid> ids)
    {
        await using var cmd = TestServices.Database.CreateCommand("SELECT id, type FROM event_store.mt_events WHERE tenant_id = $1 AND id = ANY($2)");
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(ids.ToArray());
        var found = new Dictionary<Guid, string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) found[reader.GetGuid(0)] = reader.GetString(1);
        return found;
    }

    public static Task<IReadOnlyDictionary<Guid, (string Tenant, string Type)>> WaitForAsync(IReadOnlyCollection<Guid> ids, string what) =>
        Poll.UntilAsync(() => FindAsync(ids), found => found.Count == ids.Count, TimeSpan.FromSeconds(20), what);

    /// <summary>A visitor's ingested events (cart and checkout), ordered as the engine folds them: by occurredAt.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Type, System.Text.Json.JsonElement Data)>> OfVisitorAsync(string companyKey, string fingerprint)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT id, type, data::text FROM event_store.mt_events
            WHERE tenant_id = $1 AND data->>'userFingerprint' = $2 AND type = ANY('{cart_event_recorded.v1,checkout_recorded.v1}')
            ORDER BY (data->>'occurredAt')::timestamptz, seq_id
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(fingerprint);
        var rows = new List<(Guid, string, System.Text.Json.JsonElement)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add((reader.GetGuid(0), reader.GetString(1), System.Text.Json.JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
        return rows;
    }

    public static async Task<IReadOnlyList<(string Kind, string[] Reasons)>> RejectionsAsync(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand("SELECT kind, reasons FROM app.rejected_events WHERE company_key = $1 ORDER BY id");
        cmd.Parameters.AddWithValue(companyKey);
        var rows = new List<(string, string[])>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        return rows;
    }
}
