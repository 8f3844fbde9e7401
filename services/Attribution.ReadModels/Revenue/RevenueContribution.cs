using System.Text.Json.Serialization;
using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.Revenue;

/// <summary>The read models a contribution adds to (tables in <c>revenue.*</c>).</summary>
public enum RevenueRollup
{
    CompanyDay,
    ProductDay,
    VariantDay,
    ConversationDay,
}

/// <summary>
/// The figures one decision adds to one row of a rollup. Rollups keep the columns they need.
/// Stored with every applied contribution, zeros left out (most figures of a row are zero, and a
/// missing one reads back as its default): a third of the JSON to write and parse.
/// </summary>
public sealed record RevenueMetrics(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] decimal CartGmv = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] decimal NetCartValue = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] decimal CheckoutRevenue = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int AttributedOrders = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] decimal TotalCheckoutRevenue = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int CountedOrders = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int OrdersWithFingerprint = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] decimal Refunded = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Quantity = 0)
{
    public static readonly RevenueMetrics Zero = new();

    public RevenueMetrics Plus(RevenueMetrics o) => new(
        CartGmv + o.CartGmv, NetCartValue + o.NetCartValue, CheckoutRevenue + o.CheckoutRevenue,
        AttributedOrders + o.AttributedOrders, TotalCheckoutRevenue + o.TotalCheckoutRevenue, CountedOrders + o.CountedOrders,
        OrdersWithFingerprint + o.OrdersWithFingerprint, Refunded + o.Refunded, Quantity + o.Quantity);

    public RevenueMetrics Negated() => new(
        -CartGmv, -NetCartValue, -CheckoutRevenue, -AttributedOrders, -TotalCheckoutRevenue, -CountedOrders,
        -OrdersWithFingerprint, -Refunded, -Quantity);
}

/// <summary>
/// One row key of a rollup: the company's day, the amount's own currency, the rule version, and the
/// rollup's dimension (product id, variant or conversation id; empty for the company day).
/// </summary>
public sealed record RollupKey(RevenueRollup Rollup, DateOnly Day, string Currency, string RuleVersion, string Dimension);

public sealed record RollupRow(RollupKey Key, RevenueMetrics Metrics, string? Label = null);

/// <summary>An attributed order as listed under its conversation.</summary>
public sealed record ConversationOrder(string ConversationId, string? OrderId, decimal Value, string Currency, DateTimeOffset OccurredAt, string RuleVersion);

/// <summary>
/// Everything one decision (at its latest revision) adds to the read models. It is stored per source
/// event, so the next revision can take it back exactly before adding its own.
/// </summary>
public sealed record RevenueContribution(IReadOnlyList<RollupRow> Rows, ConversationOrder? Order)
{
    public static readonly RevenueContribution None = new([], null);
}

/// <summary>
/// A company's rows moved onto the rule version a replay confirmed (<c>rule_version_confirmed.v1</c>), at
/// that event's sequence: every contribution applied before it counts under <see cref="RuleVersion"/> from then on.
/// </summary>
public sealed record RuleVersionMove(string CompanyKey, string RuleVersion, long At);

/// <summary>What one source event contributes now, and the sequence of the decision it was applied from.</summary>
public sealed record AppliedContribution(string CompanyKey, Guid SourceEventId, RevenueContribution Contribution, long AppliedSeq);

/// <summary>
/// The revenue rules of contract §4 as pure functions of one decision: cart GMV sums attributed
/// additions, net cart value all attributed changes; checkout revenue sums attributed counted orders
/// (each orderId once: repeats and test orders are not counted); refunds subtract.
/// </summary>
public static class RevenueContributions
{
    /// <param name="lineItems">The checkout's line items (empty for cart events): the products of an attributed order.</param>
    public static RevenueContribution Of(V2.AttributionDecided d, DateOnly day, IReadOnlyList<CheckoutLineItem> lineItems)
    {
        if (!d.Counted) return RevenueContribution.None;
        var rows = new List<RollupRow>();
        var conversation = d.Attributed ? d.Credited?.ConversationId : null;
        var variant = d.Credited?.Variant ?? "";

        void Add(RevenueRollup rollup, string dimension, RevenueMetrics m, string? label = null) =>
            rows.Add(new RollupRow(new RollupKey(rollup, day, d.Currency, d.RuleVersion, dimension), m, label));

        if (d.Kind == RevenueKind.CART)
        {
            if (!d.Attributed) return RevenueContribution.None;
            var cart = new RevenueMetrics(CartGmv: Math.Max(d.Amount, 0), NetCartValue: d.Amount);
            Add(RevenueRollup.CompanyDay, "", cart);
            if (conversation is not null) Add(RevenueRollup.ConversationDay, conversation, cart);
            return new RevenueContribution(rows, null);
        }

        var order = new RevenueMetrics(
            TotalCheckoutRevenue: d.Amount, CountedOrders: 1, OrdersWithFingerprint: d.UserFingerprint is null ? 0 : 1);
        if (!d.Attributed)
        {
            Add(RevenueRollup.CompanyDay, "", order);
            return new RevenueContribution(rows, null);
        }

        var attributed = new RevenueMetrics(CheckoutRevenue: d.Amount, AttributedOrders: 1);
        Add(RevenueRollup.CompanyDay, "", order.Plus(attributed));
        Add(RevenueRollup.VariantDay, variant, attributed);
        foreach (var product in lineItems.GroupBy(l => l.ProductId, StringComparer.Ordinal))
            Add(RevenueRollup.ProductDay, product.Key,
                new RevenueMetrics(Quantity: product.Sum(l => l.Quantity), CheckoutRevenue: product.Sum(l => l.Value * l.Quantity)),
                product.Last().ProductName);
        if (conversation is null) return new RevenueContribution(rows, null);

        Add(RevenueRollup.ConversationDay, conversation, attributed);
        return new RevenueContribution(rows, new ConversationOrder(conversation, d.OrderId, d.Amount, d.Currency, d.OccurredAt, d.RuleVersion));
    }

    /// <summary>
    /// A refund subtracts what was applied from total checkout revenue, and, when its order was credited,
    /// from the credited interaction's checkout revenue too (counted as <c>refunded</c>), on the refund's own day.
    /// </summary>
    public static RevenueContribution Of(V1.RefundDecided r, DateOnly day, string ruleVersion)
    {
        if (r.Applied == 0) return RevenueContribution.None;
        var rows = new List<RollupRow>();
        var version = r.RuleVersion ?? ruleVersion;
        void Add(RevenueRollup rollup, string dimension, RevenueMetrics m) =>
            rows.Add(new RollupRow(new RollupKey(rollup, day, r.Currency, version, dimension), m));

        var total = new RevenueMetrics(TotalCheckoutRevenue: -r.Applied);
        if (!r.Attributed)
        {
            Add(RevenueRollup.CompanyDay, "", total);
            return new RevenueContribution(rows, null);
        }

        var credited = new RevenueMetrics(CheckoutRevenue: -r.Applied, Refunded: r.Applied);
        Add(RevenueRollup.CompanyDay, "", total.Plus(credited));
        Add(RevenueRollup.VariantDay, r.Credited?.Variant ?? "", credited);
        if (r.Credited?.ConversationId is { } conversation) Add(RevenueRollup.ConversationDay, conversation, credited);
        return new RevenueContribution(rows, null);
    }

    /// <summary>
    /// The contribution as counted under another rule version: a replay confirmed its decision under that
    /// version, and the company's rows moved onto it (<see cref="RuleVersionMove"/>).
    /// </summary>
    public static RevenueContribution UnderRuleVersion(RevenueContribution c, string ruleVersion) =>
        c.Rows.All(r => r.Key.RuleVersion == ruleVersion) && (c.Order is null || c.Order.RuleVersion == ruleVersion)
            ? c
            : new RevenueContribution(UnderRuleVersion(c.Rows, ruleVersion), c.Order is null ? null : c.Order with { RuleVersion = ruleVersion });

    /// <summary>Rows moved onto a rule version, summed where they meet.</summary>
    public static IReadOnlyList<RollupRow> UnderRuleVersion(IEnumerable<RollupRow> rows, string ruleVersion) =>
        Merge(rows.Select(r => r.Key.RuleVersion == ruleVersion ? r : r with { Key = r.Key with { RuleVersion = ruleVersion } }));

    /// <summary>What to add to the rollups when <paramref name="previous"/> is replaced by <paramref name="next"/>.</summary>
    public static IReadOnlyList<RollupRow> Delta(RevenueContribution? previous, RevenueContribution next) =>
        Merge((previous?.Rows ?? []).Select(r => r with { Metrics = r.Metrics.Negated() }).Concat(next.Rows));

    /// <summary>Sums rows that share a key (the newest label wins), dropping rows that cancel out.</summary>
    public static IReadOnlyList<RollupRow> Merge(IEnumerable<RollupRow> rows) =>
        rows.GroupBy(r => r.Key)
            .Select(g => new RollupRow(g.Key, g.Aggregate(RevenueMetrics.Zero, (sum, r) => sum.Plus(r.Metrics)), g.Last().Label))
            .Where(r => r.Metrics != RevenueMetrics.Zero)
            .ToList();
}
