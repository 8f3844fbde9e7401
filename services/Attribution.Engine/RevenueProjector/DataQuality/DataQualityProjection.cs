using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.ReadModels;
using Attribution.ServiceDefaults.Visitors;
using Npgsql;
using static Attribution.Engine.Journeys.VisitorEvents;

namespace Attribution.Engine.RevenueProjector.DataQuality;

/// <summary>
/// Finds what accepted events got wrong (asynchronous): checkouts without orderId, orders sent twice,
/// and decreases below zero in a visitor's cart. Rules: <see cref="DataQualityFindings"/>. A finding is
/// keyed by event and reason, so a redelivered batch never counts one twice.
/// </summary>
public sealed class DataQualityProjection(PostgresEventStore store, CompanyDirectory companies) : ITenantProjection
{
    private static readonly string[] CheckoutTypes = ["checkout_recorded.v1"];

    public string Name => ProjectionNames.DataQuality;

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(V1.CheckoutRecorded), typeof(V1.CartEventRecorded)];

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var findings = new List<DataQualityFinding>();
        var checkouts = batch.Events.Select(e => e.Data).OfType<V1.CheckoutRecorded>().ToList();
        findings.AddRange(checkouts.Select(DataQualityFindings.OfCheckout).OfType<DataQualityFinding>());
        findings.AddRange(await RepeatedOrdersAsync(batch, checkouts, ct));
        await DecreasesBelowZeroAsync(batch, ct);
        if (findings.Count == 0) return;

        await using var write = new NpgsqlBatch(batch.Connection, batch.Transaction);
        foreach (var f in findings) write.BatchCommands.Add(Insert(f));
        await write.ExecuteNonQueryAsync(ct);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        DeleteAsync(connection, transaction, null, ct);

    public Task ResetTenantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken ct) =>
        DeleteAsync(connection, transaction, tenantId, ct);

    /// <summary>The first recorded non-test checkout of each orderId decides which later copies are repeats.</summary>
    private async Task<IEnumerable<DataQualityFinding>> RepeatedOrdersAsync(
        ProjectionBatch batch, List<V1.CheckoutRecorded> checkouts, CancellationToken ct)
    {
        var result = new List<DataQualityFinding>();
        foreach (var company in checkouts.Where(c => c is { OrderId: not null, Test: false }).GroupBy(c => c.CompanyKey))
        {
            var sameOrders = await store.QueryByDataFieldAsync(batch.Connection, company.Key, CheckoutTypes, "orderId",
                company.Select(c => c.OrderId!).Distinct().ToList(), ct);
            var first = sameOrders.Select(e => e.Data).OfType<V1.CheckoutRecorded>().Where(c => !c.Test)
                .GroupBy(c => c.OrderId!).ToDictionary(g => g.Key, g => g.First().EventId); // stored in sequence order
            result.AddRange(company.Select(c => DataQualityFindings.OfRepeatedOrder(c, first.GetValueOrDefault(c.OrderId!, c.EventId)))
                .OfType<DataQualityFinding>());
        }
        return result;
    }

    /// <summary>
    /// Re-folds the cart events of every visitor touched by the batch (visitor streams are small) and
    /// replaces their below-zero findings, so the answer never depends on arrival order.
    /// </summary>
    private async Task DecreasesBelowZeroAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var streams = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in batch.Events.Select(e => e.Data).OfType<V1.CartEventRecorded>())
            if (await companies.FindByKeyAsync(e.CompanyKey, ct) is not { QuantityMode: QuantityMode.TOTAL }) // totals cannot go below zero
                streams.Add(VisitorKey.StreamId(e.CompanyKey, VisitorKey.Of(e.UserFingerprint, e.UserFaqFingerprint)));
        if (streams.Count == 0) return;

        var carts = (await store.ReadStreamsAsync(batch.Connection, streams, ct))
            .Where(e => e.Sequence <= batch.Events[^1].Sequence) // as of this batch: a rebuild sees the same
            .GroupBy(e => e.StreamId)
            .Select(g => g.Select(e => e.Data).OfType<V1.CartEventRecorded>().ToList())
            .ToList();
        var findings = carts.SelectMany(DataQualityFindings.DecreasesBelowZero).ToList();

        await using var write = new NpgsqlBatch(batch.Connection, batch.Transaction);
        // With the companies, the primary key (company_key, reason, event_id) finds the rows; without, every finding was read.
        var clear = new NpgsqlBatchCommand(
            "DELETE FROM revenue.data_quality_findings WHERE company_key = ANY($1) AND reason = $2 AND event_id = ANY($3)");
        clear.Parameters.Add(new NpgsqlParameter { Value = carts.SelectMany(c => c.Select(e => e.CompanyKey)).Distinct().ToArray() });
        clear.Parameters.Add(new NpgsqlParameter { Value = DataQualityReasons.DecreaseBelowZero });
        clear.Parameters.Add(new NpgsqlParameter { Value = carts.SelectMany(c => c.Select(e => e.EventId)).ToArray() });
        write.BatchCommands.Add(clear);
        foreach (var f in findings) write.BatchCommands.Add(Insert(f));
        await write.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Insert(DataQualityFinding f)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO revenue.data_quality_findings (company_key, reason, event_id, kind, occurred_at, detail)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
            """);
        foreach (var v in new object[] { f.CompanyKey, f.Reason, f.EventId, f.Kind, f.OccurredAt, f.Detail })
            command.Parameters.Add(new NpgsqlParameter { Value = v });
        return command;
    }

    private static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string? companyKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("DELETE FROM revenue.data_quality_findings WHERE $1::text IS NULL OR company_key = $1", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)companyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
