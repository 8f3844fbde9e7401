using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>Explain's reads (contract §6): the latest decision of an event, or of an order, under the rule version it stands under.</summary>
public sealed class ExplainQueries(CompanyDatabases databases)
{
    public async Task<V2.AttributionDecided?> OfEventAsync(string companyKey, Guid eventId, CancellationToken ct)
    {
        await using var connection = await (await databases.ForCompanyAsync(companyKey, ct)).DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT data, last_seq_id FROM event_store.documents WHERE type = $1 AND id = $2", connection);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(DecisionDocuments.Id(companyKey, eventId));
        return await ReadOneAsync(connection, companyKey, cmd, ct);
    }

    /// <summary>The copy of the order that counts; other copies (repeats, test) only when none counts.</summary>
    public async Task<V2.AttributionDecided?> OfOrderAsync(string companyKey, string orderId, CancellationToken ct)
    {
        await using var connection = await (await databases.ForCompanyAsync(companyKey, ct)).DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT data, last_seq_id FROM event_store.documents
            WHERE type = $1 AND data->>'companyKey' = $2 AND data->>'orderId' = $3
            ORDER BY (data->>'counted')::boolean DESC, (data->>'occurredAt') LIMIT 1
            """, connection);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(orderId);
        return await ReadOneAsync(connection, companyKey, cmd, ct);
    }

    private static async Task<V2.AttributionDecided?> ReadOneAsync(NpgsqlConnection connection, string companyKey, NpgsqlCommand cmd, CancellationToken ct)
    {
        V2.AttributionDecided decision;
        long storedAt;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return null;
            (decision, storedAt) = (StoredJson.Read<V2.AttributionDecided>(reader, 0), reader.GetInt64(1));
        }
        return RuleConfirmations.Effective(decision, storedAt, await RuleConfirmations.LatestAsync(connection, companyKey, ct));
    }
}
