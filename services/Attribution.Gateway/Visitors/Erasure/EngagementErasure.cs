using Attribution.Domain.Visitors;
using Npgsql;

namespace Attribution.Gateway.Visitors.Erasure;

/// <summary>
/// Erasure in the engagement read models (ServiceDefaults migration 0010), with the very pseudonyms
/// and text masking of the event store: the visitor's keys become their pseudonyms (so the lift's
/// joins and counts stay as they were) and message text becomes what <see cref="VisitorErasurePlan.MaskInteraction"/>
/// leaves ("[erased]" for a real shopper message, nothing otherwise). Idempotent.
/// </summary>
public static class EngagementErasure
{
    public static async Task<int> ApplyAsync(NpgsqlDataSource db, string companyKey, IReadOnlyDictionary<string, string> pseudonyms, CancellationToken ct)
    {
        var from = new List<string>();
        var to = new List<string>();
        foreach (var (fingerprint, pseudonym) in pseudonyms)
            foreach (var (a, b) in VisitorKey.Candidates(fingerprint).Zip(VisitorKey.Candidates(pseudonym)))
            {
                from.Add(a);
                to.Add(b);
            }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(connection, tx);
        foreach (var sql in new[]
                 {
                     $"""
                     UPDATE revenue.interactions i
                     SET visitor_key = m.to_key,
                         text = CASE WHEN i.text IS NOT NULL AND i.kind = 'SHOPPER_MESSAGE' AND i.real_message THEN '{VisitorErasurePlan.ErasedText}' END
                     FROM unnest($2::text[], $3::text[]) AS m(from_key, to_key)
                     WHERE i.company_key = $1 AND i.visitor_key = m.from_key
                     """,
                     // A projection that read the visitor's events before the first pass may write the
                     // old key again after it: the second pass then finds the pseudonym's row already
                     // there for that day (or alias), and merges into it instead of colliding.
                     """
                     DELETE FROM revenue.visitor_days d USING unnest($2::text[], $3::text[]) AS m(from_key, to_key)
                     WHERE d.company_key = $1 AND d.visitor_key = m.from_key
                       AND EXISTS (SELECT 1 FROM revenue.visitor_days t WHERE t.company_key = $1 AND t.day = d.day AND t.visitor_key = m.to_key)
                     """,
                     "UPDATE revenue.visitor_days d SET visitor_key = m.to_key FROM unnest($2::text[], $3::text[]) AS m(from_key, to_key) WHERE d.company_key = $1 AND d.visitor_key = m.from_key",
                     "UPDATE revenue.visitor_orders o SET visitor_key = m.to_key FROM unnest($2::text[], $3::text[]) AS m(from_key, to_key) WHERE o.company_key = $1 AND o.visitor_key = m.from_key",
                     """
                     DELETE FROM revenue.visitor_aliases a USING unnest($2::text[], $3::text[]) AS m(from_key, to_key)
                     WHERE a.company_key = $1 AND a.alias_key = m.from_key
                       AND EXISTS (SELECT 1 FROM revenue.visitor_aliases t WHERE t.company_key = $1 AND t.alias_key = m.to_key)
                     """,
                     "UPDATE revenue.visitor_aliases a SET alias_key = m.to_key FROM unnest($2::text[], $3::text[]) AS m(from_key, to_key) WHERE a.company_key = $1 AND a.alias_key = m.from_key",
                     "UPDATE revenue.visitor_aliases a SET visitor_key = m.to_key FROM unnest($2::text[], $3::text[]) AS m(from_key, to_key) WHERE a.company_key = $1 AND a.visitor_key = m.from_key",
                 })
            batch.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { new() { Value = companyKey }, new() { Value = from.ToArray() }, new() { Value = to.ToArray() } } });
        var rows = await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return rows;
    }
}
