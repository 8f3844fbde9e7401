using Attribution.EventStore;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>
/// The latest decisions, from the inline <see cref="LatestDecisionProjection"/> and <see cref="LatestRefundProjection"/>.
/// The per-batch reads take the caller's connection: the reactor reads on it, inside its transaction,
/// the decisions it has just appended there and not yet committed.
/// </summary>
public sealed class DecisionReader(NpgsqlDataSource db)
{
    public static async Task<Dictionary<Guid, V2.AttributionDecided>> LatestAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<Guid> sourceEventIds, CancellationToken ct)
    {
        if (sourceEventIds.Count == 0) return [];
        await using var cmd = ById(connection, LatestDecisionProjection.DocumentTypeName, companyKey, sourceEventIds);
        return await Read<V2.AttributionDecided, Guid>(cmd, d => d.SourceEventId, ct);
    }

    /// <summary>Every latest decision of a company, by source event (a replay reads them once instead of per batch).</summary>
    public async Task<Dictionary<Guid, V2.AttributionDecided>> LatestOfCompanyAsync(string companyKey, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT data FROM event_store.documents WHERE type = $1 AND data->>'companyKey' = $2");
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        return await Read<V2.AttributionDecided, Guid>(cmd, d => d.SourceEventId, ct);
    }

    public static async Task<Dictionary<Guid, V1.RefundDecided>> LatestRefundsAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<Guid> refundEventIds, CancellationToken ct)
    {
        await using var cmd = ById(connection, LatestRefundProjection.DocumentTypeName, companyKey, refundEventIds);
        return await Read<V1.RefundDecided, Guid>(cmd, d => d.RefundEventId, ct);
    }

    /// <summary>The counted checkout decision of each order (the copy that counts), by orderId.</summary>
    public static async Task<Dictionary<string, V2.AttributionDecided>> CountedOrdersAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<string> orderIds, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT data FROM event_store.documents
            WHERE type = $1 AND data->>'companyKey' = $2 AND data->>'kind' = 'CHECKOUT' AND data->>'orderId' = ANY($3) AND (data->>'counted')::boolean
            """, connection);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(orderIds.ToArray());
        return await Read<V2.AttributionDecided, string>(cmd, d => d.OrderId!, ct);
    }

    private static NpgsqlCommand ById(NpgsqlConnection connection, string documentType, string companyKey, IReadOnlyCollection<Guid> ids)
    {
        var cmd = new NpgsqlCommand("SELECT data FROM event_store.documents WHERE type = $1 AND id = ANY($2)", connection);
        cmd.Parameters.AddWithValue(documentType);
        cmd.Parameters.AddWithValue(ids.Select(id => DecisionDocuments.Id(companyKey, id)).ToArray());
        return cmd;
    }

    private static async Task<Dictionary<TKey, T>> Read<T, TKey>(NpgsqlCommand cmd, Func<T, TKey> keyOf, CancellationToken ct) where TKey : notnull
    {
        var result = new Dictionary<TKey, T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var doc = StoredJson.Read<T>(reader, 0);
            result[keyOf(doc)] = doc;
        }
        return result;
    }
}
