using System.Text.Json;
using Attribution.EventStore;
using Npgsql;
using static Attribution.Engine.Attribution.DecisionEvents;

namespace Attribution.Engine.Attribution.Deciding;

/// <summary>The latest decision per source event, from the inline <see cref="LatestDecisionProjection"/>.</summary>
public sealed class DecisionReader(NpgsqlDataSource db)
{
    /// <summary>The counted checkout decision of each order (the copy that counts), by orderId.</summary>
    public async Task<Dictionary<string, V1.AttributionDecided>> CountedOrdersAsync(string companyKey, IReadOnlyCollection<string> orderIds, CancellationToken ct)
    {
        var result = new Dictionary<string, V1.AttributionDecided>(StringComparer.Ordinal);
        await using var cmd = db.CreateCommand("""
            SELECT data::text FROM event_store.documents
            WHERE type = $1 AND data->>'companyKey' = $2 AND data->>'kind' = 'CHECKOUT' AND data->>'orderId' = ANY($3) AND (data->>'counted')::boolean
            """);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(orderIds.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var d = JsonSerializer.Deserialize<V1.AttributionDecided>(reader.GetString(0), EventTypeRegistry.SerializerOptions)!;
            result[d.OrderId!] = d;
        }
        return result;
    }

    public async Task<Dictionary<Guid, V1.RefundDecided>> LatestRefundsAsync(string companyKey, IReadOnlyCollection<Guid> refundEventIds, CancellationToken ct)
    {
        var result = new Dictionary<Guid, V1.RefundDecided>();
        await using var cmd = db.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 AND id = ANY($2)");
        cmd.Parameters.AddWithValue(LatestRefundProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(refundEventIds.Select(id => LatestRefundProjection.DocumentId(companyKey, id)).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var d = JsonSerializer.Deserialize<V1.RefundDecided>(reader.GetString(0), EventTypeRegistry.SerializerOptions)!;
            result[d.RefundEventId] = d;
        }
        return result;
    }

    public async Task<Dictionary<Guid, V1.AttributionDecided>> LatestAsync(string companyKey, IReadOnlyCollection<Guid> sourceEventIds, CancellationToken ct)
    {
        var result = new Dictionary<Guid, V1.AttributionDecided>();
        if (sourceEventIds.Count == 0) return result;
        await using var cmd = db.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 AND id = ANY($2)");
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(sourceEventIds.Select(id => LatestDecisionProjection.DocumentId(companyKey, id)).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var decision = JsonSerializer.Deserialize<V1.AttributionDecided>(reader.GetString(0), EventTypeRegistry.SerializerOptions)!;
            result[decision.SourceEventId] = decision;
        }
        return result;
    }
}
