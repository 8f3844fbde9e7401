using Attribution.Domain.Rules;
using Attribution.EventStore;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>
/// The latest decisions, from the inline <see cref="LatestDecisionProjection"/> and <see cref="LatestRefundProjection"/>,
/// each under the rule version it stands under (<see cref="RuleConfirmations.Effective(V2.AttributionDecided, long, V1.RuleVersionConfirmed?)"/>).
/// The per-batch reads take the caller's connection: the reactor reads on it, inside its transaction,
/// the decisions it has just appended there and not yet committed.
/// </summary>
public static class DecisionReader
{
    public static async Task<Dictionary<Guid, V2.AttributionDecided>> LatestAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<Guid> sourceEventIds, CancellationToken ct)
    {
        if (sourceEventIds.Count == 0) return [];
        var confirmation = await RuleConfirmations.LatestAsync(connection, companyKey, ct);
        await using var cmd = ById(connection, LatestDecisionProjection.DocumentTypeName, companyKey, sourceEventIds);
        return await Read<V2.AttributionDecided, Guid>(cmd, d => d.SourceEventId, (d, seq) => RuleConfirmations.Effective(d, seq, confirmation), ct);
    }

    /// <summary>
    /// Where every latest decision of a company stands, by source event (a replay reads them once instead of per
    /// batch), as stored, and the company's last stored sequence in the same snapshot: every decision stored up to
    /// it is among them (sequence order is commit order), so a replay that compares them all can confirm them.
    /// PostgreSQL picks the compared fields out of each document, so this process does not deserialize whole ones.
    /// </summary>
    public static async Task<(Dictionary<Guid, DecisionStanding> Decisions, long ThroughSequence)> StandingOfCompanyAsync(
        NpgsqlConnection connection, string companyKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH store AS (SELECT coalesce(max(seq_id), 0) AS through FROM event_store.mt_events WHERE tenant_id = $2)
            SELECT store.through, (d.data->>'sourceEventId')::uuid, (d.data->>'revision')::int, (d.data->>'attributed')::boolean,
                   (d.data->>'counted')::boolean, d.data->'credited', d.data->>'ruleVersion', d.data->'reasons', d.data->>'userFingerprint'
            FROM store LEFT JOIN event_store.documents d ON d.type = $1 AND d.data->>'companyKey' = $2
            """, connection);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        var decisions = new Dictionary<Guid, DecisionStanding>();
        long through = 0;
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            through = reader.GetInt64(0);
            if (reader.IsDBNull(1)) continue;
            var standing = new DecisionStanding(
                reader.GetGuid(1), reader.GetInt32(2), reader.GetBoolean(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : StoredJson.Read<CreditedInteraction>(reader, 5),
                reader.GetString(6),
                StoredJson.Read<string[]>(reader, 7),
                reader.IsDBNull(8) ? null : reader.GetString(8));
            decisions[standing.SourceEventId] = standing;
        }
        return (decisions, through);
    }

    public static async Task<Dictionary<Guid, V1.RefundDecided>> LatestRefundsAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<Guid> refundEventIds, CancellationToken ct)
    {
        var confirmation = await RuleConfirmations.LatestAsync(connection, companyKey, ct);
        await using var cmd = ById(connection, LatestRefundProjection.DocumentTypeName, companyKey, refundEventIds);
        return await Read<V1.RefundDecided, Guid>(cmd, d => d.RefundEventId, (r, seq) => RuleConfirmations.Effective(r, seq, confirmation), ct);
    }

    /// <summary>The counted checkout decision of each order (the copy that counts), by orderId.</summary>
    public static async Task<Dictionary<string, V2.AttributionDecided>> CountedOrdersAsync(
        NpgsqlConnection connection, string companyKey, IReadOnlyCollection<string> orderIds, CancellationToken ct)
    {
        var confirmation = await RuleConfirmations.LatestAsync(connection, companyKey, ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT data, last_seq_id FROM event_store.documents
            WHERE type = $1 AND data->>'companyKey' = $2 AND data->>'kind' = 'CHECKOUT' AND data->>'orderId' = ANY($3) AND (data->>'counted')::boolean
            """, connection);
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(orderIds.ToArray());
        return await Read<V2.AttributionDecided, string>(cmd, d => d.OrderId!, (d, seq) => RuleConfirmations.Effective(d, seq, confirmation), ct);
    }

    private static NpgsqlCommand ById(NpgsqlConnection connection, string documentType, string companyKey, IReadOnlyCollection<Guid> ids)
    {
        var cmd = new NpgsqlCommand("SELECT data, last_seq_id FROM event_store.documents WHERE type = $1 AND id = ANY($2)", connection);
        cmd.Parameters.AddWithValue(documentType);
        cmd.Parameters.AddWithValue(ids.Select(id => DecisionDocuments.Id(companyKey, id)).ToArray());
        return cmd;
    }

    /// <summary>Reads (data, last_seq_id) rows, each document as it stands.</summary>
    private static async Task<Dictionary<TKey, T>> Read<T, TKey>(NpgsqlCommand cmd, Func<T, TKey> keyOf, Func<T, long, T> standing, CancellationToken ct)
        where TKey : notnull
    {
        var result = new Dictionary<TKey, T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var doc = standing(StoredJson.Read<T>(reader, 0), reader.GetInt64(1));
            result[keyOf(doc)] = doc;
        }
        return result;
    }
}
