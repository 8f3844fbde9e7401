using System.Runtime.InteropServices;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults.Companies;
using Npgsql;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Companies;
using Attribution.Domain.Visitors;

namespace Attribution.ReadModels.DataQuality;

/// <summary>
/// Finds what accepted events got wrong (asynchronous): checkouts without orderId, orders sent twice,
/// browser copies of an order replaced by a verified copy of another value, and decreases below zero
/// in a visitor's cart. Rules: <see cref="DataQualityFindings"/>. A finding is
/// keyed by event and reason, so a redelivered batch never counts one twice.
/// </summary>
public sealed class DataQualityProjection(MartenEventStore store, CompanyDirectory companies) : ITenantProjection
{
    private static readonly string[] CheckoutTypes = [StoredNames.CheckoutRecorded];

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

        await using var write = new NpgsqlBatch(batch.Connection, batch.Transaction) { BatchCommands = { Insert(findings) } };
        await write.ExecuteNonQueryAsync(ct);
    }

    public ITenantRebuild StartTenantRebuild(string tenantId) => new DataQualityRebuild(companies, tenantId);

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
            result.AddRange(sameOrders.Select(e => e.Data).OfType<V1.CheckoutRecorded>()
                .GroupBy(c => c.OrderId!, StringComparer.Ordinal)
                .SelectMany(DataQualityFindings.OfReplacedBrowserCopies));
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
        if (findings.Count > 0) write.BatchCommands.Add(Insert(findings));
        await write.ExecuteNonQueryAsync(ct);
    }

    /// <summary>One statement for all the findings, their rows passed as arrays; a finding already stored stays as it is.</summary>
    private static NpgsqlBatchCommand Insert(IReadOnlyCollection<DataQualityFinding> findings) => new("""
        INSERT INTO revenue.data_quality_findings (company_key, reason, event_id, kind, occurred_at, detail)
        SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $6::text[]) ON CONFLICT DO NOTHING
        """)
    {
        Parameters =
        {
            new() { Value = findings.Select(f => f.CompanyKey).ToArray() },
            new() { Value = findings.Select(f => f.Reason).ToArray() },
            new() { Value = findings.Select(f => f.EventId).ToArray() },
            new() { Value = findings.Select(f => f.Kind).ToArray() },
            new() { Value = findings.Select(f => f.OccurredAt).ToArray() },
            new() { Value = findings.Select(f => f.Detail).ToArray() },
        },
    };

    /// <summary>
    /// A company's rebuild in memory. Read in global order, the first copy of each order is the first one
    /// seen, and each visitor's cart events are all there at the end: the live path queries both per batch.
    /// The same rules then give the same findings, written once. Holds the company's cart events while it runs.
    /// </summary>
    private sealed class DataQualityRebuild(CompanyDirectory companies, string tenantId) : ITenantRebuild
    {
        private readonly Dictionary<string, Guid> _firstOfOrder = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<V1.CheckoutRecorded>> _orders = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<V1.CartEventRecorded>> _carts = new(StringComparer.Ordinal);
        private readonly List<DataQualityFinding> _findings = [];

        public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
        {
            var totals = await companies.FindByKeyAsync(tenantId, ct) is { QuantityMode: QuantityMode.TOTAL }; // totals cannot go below zero
            foreach (var e in batch.Events)
                switch (e.Data)
                {
                    case V1.CheckoutRecorded c:
                        if (DataQualityFindings.OfCheckout(c) is { } withoutOrderId) _findings.Add(withoutOrderId);
                        if (c is { OrderId: { } orderId, Test: false })
                        {
                            (CollectionsMarshal.GetValueRefOrAddDefault(_orders, orderId, out _) ??= []).Add(c);
                            if (DataQualityFindings.OfRepeatedOrder(c, _firstOfOrder.TryAdd(orderId, c.EventId) ? c.EventId : _firstOfOrder[orderId]) is { } repeat)
                                _findings.Add(repeat);
                        }
                        break;
                    case V1.CartEventRecorded cart when !totals:
                        (CollectionsMarshal.GetValueRefOrAddDefault(_carts, e.StreamId, out _) ??= []).Add(cart);
                        break;
                }
        }

        public async Task CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
        {
            var findings = _findings
                .Concat(_orders.Values.Where(copies => copies.Count > 1).SelectMany(DataQualityFindings.OfReplacedBrowserCopies))
                .Concat(_carts.Values.SelectMany(DataQualityFindings.DecreasesBelowZero))
                .ToList();
            if (findings.Count == 0) return;
            await using var write = new NpgsqlBatch(connection, transaction) { BatchCommands = { Insert(findings) } };
            await write.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string? companyKey, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("DELETE FROM revenue.data_quality_findings WHERE $1::text IS NULL OR company_key = $1", connection, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)companyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
