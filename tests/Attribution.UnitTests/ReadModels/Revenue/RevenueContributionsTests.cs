using System.Text.Json;
using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using Attribution.Domain.Rules;
using Attribution.ReadModels.Revenue;

namespace Attribution.UnitTests.ReadModels.Revenue;

public sealed class RevenueContributionsTests
{
    private static readonly DateOnly Day = new(2026, 11, 16);
    private static readonly DateTimeOffset At = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);
    private const string Version = "qualified-first.v1;window=24h";
    private static readonly CreditedInteraction ChatA = new(InteractionChannel.CHAT, "c1", null, "A", At, At);

    private static V2.AttributionDecided Decision(RevenueKind kind, decimal amount, bool attributed = true, bool counted = true,
        string? fingerprint = "fp", int revision = 1, string version = Version, CreditedInteraction? credited = null) =>
        new(Guid.NewGuid(), "co", Guid.Empty, kind, kind == RevenueKind.CHECKOUT ? "o1" : null, amount, "USD", At, revision,
            attributed, counted, attributed ? credited ?? ChatA : null, 24, version, [], fingerprint, attributed ? "A" : null);

    private static RevenueMetrics Of(RevenueContribution c, RevenueRollup rollup, string dimension = "") =>
        c.Rows.Single(r => r.Key.Rollup == rollup && r.Key.Dimension == dimension).Metrics;

    [Test]
    public void An_attributed_addition_adds_cart_gmv_and_net_value_to_the_day_and_the_conversation()
    {
        var c = RevenueContributions.Of(Decision(RevenueKind.CART, 200m), Day, []);
        Assert.That(Of(c, RevenueRollup.CompanyDay), Is.EqualTo(new RevenueMetrics(CartGmv: 200m, NetCartValue: 200m)));
        Assert.That(Of(c, RevenueRollup.ConversationDay, "c1"), Is.EqualTo(new RevenueMetrics(CartGmv: 200m, NetCartValue: 200m)));
        Assert.That(c.Rows.All(r => r.Key.Day == Day && r.Key.Currency == "USD" && r.Key.RuleVersion == Version));
    }

    [Test]
    public void An_attributed_decrease_lowers_net_cart_value_only()
    {
        var c = RevenueContributions.Of(Decision(RevenueKind.CART, -100m), Day, []);
        Assert.That(Of(c, RevenueRollup.CompanyDay), Is.EqualTo(new RevenueMetrics(NetCartValue: -100m)));
    }

    [Test]
    public void Unattributed_cart_events_and_uncounted_orders_add_nothing()
    {
        Assert.That(RevenueContributions.Of(Decision(RevenueKind.CART, 50m, attributed: false), Day, []), Is.EqualTo(RevenueContribution.None));
        Assert.That(RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 50m, counted: false), Day, []), Is.EqualTo(RevenueContribution.None));
    }

    [Test]
    public void An_unattributed_order_counts_in_total_revenue_and_fingerprint_coverage_only()
    {
        var c = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 50m, attributed: false, fingerprint: null), Day, []);
        Assert.That(c.Rows, Has.Count.EqualTo(1));
        Assert.That(Of(c, RevenueRollup.CompanyDay), Is.EqualTo(new RevenueMetrics(TotalCheckoutRevenue: 50m, CountedOrders: 1)));
        Assert.That(c.Order, Is.Null);
    }

    [Test]
    public void An_attributed_order_adds_to_the_day_its_variant_its_products_and_its_conversation()
    {
        var c = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 150m), Day,
        [
            new CheckoutLineItem("p1", "Trail Shoes", 1, 100m, "USD"),
            new CheckoutLineItem("p2", "Socks", 1, 25m, "USD"),
            new CheckoutLineItem("p2", "Running Socks", 1, 25m, "USD"),
        ]);
        Assert.That(Of(c, RevenueRollup.CompanyDay), Is.EqualTo(new RevenueMetrics(
            CheckoutRevenue: 150m, AttributedOrders: 1, TotalCheckoutRevenue: 150m, CountedOrders: 1, OrdersWithFingerprint: 1)));
        Assert.That(Of(c, RevenueRollup.VariantDay, "A"), Is.EqualTo(new RevenueMetrics(CheckoutRevenue: 150m, AttributedOrders: 1)));
        Assert.That(Of(c, RevenueRollup.ProductDay, "p2"), Is.EqualTo(new RevenueMetrics(CheckoutRevenue: 50m, Quantity: 2)));
        Assert.That(c.Rows.Single(r => r.Key.Dimension == "p2").Label, Is.EqualTo("Running Socks"), "the last name given wins");
        Assert.That(c.Order, Is.EqualTo(new ConversationOrder("c1", "o1", 150m, "USD", At, Version)));
    }

    [Test]
    public void A_nudge_credited_order_has_no_conversation_and_an_empty_variant_when_none_was_served()
    {
        var nudge = new CreditedInteraction(InteractionChannel.NUDGE, null, "n1", null, At, At);
        var c = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 10m, credited: nudge), Day, []);
        Assert.That(c.Rows.Any(r => r.Key.Rollup == RevenueRollup.ConversationDay), Is.False);
        Assert.That(Of(c, RevenueRollup.VariantDay, ""), Is.EqualTo(new RevenueMetrics(CheckoutRevenue: 10m, AttributedOrders: 1)));
        Assert.That(c.Order, Is.Null);
    }

    [Test]
    public void A_refund_of_a_credited_order_subtracts_from_its_conversation_and_variant_on_the_refund_day()
    {
        var refund = new V1.RefundDecided(Guid.NewGuid(), "co", Guid.NewGuid(), "r1", "o1", 30m, 30m, "USD", At, 1, true, ChatA, Version, []);
        var c = RevenueContributions.Of(refund, Day.AddDays(1), "ignored");
        Assert.That(Of(c, RevenueRollup.CompanyDay), Is.EqualTo(new RevenueMetrics(CheckoutRevenue: -30m, TotalCheckoutRevenue: -30m, Refunded: 30m)));
        Assert.That(Of(c, RevenueRollup.ConversationDay, "c1"), Is.EqualTo(new RevenueMetrics(CheckoutRevenue: -30m, Refunded: 30m)));
        Assert.That(c.Rows.All(r => r.Key.Day == Day.AddDays(1)));
    }

    [Test]
    public void A_refund_of_an_uncredited_order_lowers_total_revenue_under_the_current_rule_version()
    {
        var refund = new V1.RefundDecided(Guid.NewGuid(), "co", Guid.NewGuid(), "r1", "o1", 30m, 30m, "USD", At, 1, false, null, null, []);
        var c = RevenueContributions.Of(refund, Day, "current");
        Assert.That(c.Rows.Single().Metrics, Is.EqualTo(new RevenueMetrics(TotalCheckoutRevenue: -30m)));
        Assert.That(c.Rows.Single().Key.RuleVersion, Is.EqualTo("current"));
    }

    [Test]
    public void A_revision_takes_back_exactly_what_the_previous_revision_added()
    {
        var before = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 60m, attributed: false), Day, []);
        var after = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 60m, revision: 2), Day, [new CheckoutLineItem("p4", "Cap", 1, 60m, "USD")]);
        var delta = RevenueContributions.Delta(before, after);

        Assert.That(Of(new RevenueContribution(delta, null), RevenueRollup.CompanyDay),
            Is.EqualTo(new RevenueMetrics(CheckoutRevenue: 60m, AttributedOrders: 1)), "total revenue and counted orders are unchanged");
        Assert.That(RevenueContributions.Delta(after, after), Is.Empty, "the same revision again changes nothing");
    }

    [Test]
    public void A_new_rule_version_moves_the_figures_rather_than_mixing_them()
    {
        var old = RevenueContributions.Of(Decision(RevenueKind.CART, 20m), Day, []);
        var next = RevenueContributions.Of(Decision(RevenueKind.CART, 20m, version: "qualified-first.v1;window=48h", revision: 2), Day, []);
        var delta = RevenueContributions.Delta(old, next).Where(r => r.Key.Rollup == RevenueRollup.CompanyDay).ToList();
        Assert.That(delta.Single(r => r.Key.RuleVersion == Version).Metrics, Is.EqualTo(new RevenueMetrics(CartGmv: -20m, NetCartValue: -20m)));
        Assert.That(delta.Single(r => r.Key.RuleVersion != Version).Metrics, Is.EqualTo(new RevenueMetrics(CartGmv: 20m, NetCartValue: 20m)));
    }

    [Test]
    public void A_stored_contribution_leaves_zeros_out_and_reads_back_whole_as_do_rows_stored_with_every_figure()
    {
        var contribution = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 120m), Day,
            [new CheckoutLineItem("SKU-1", "Shoe", 2, 60m, "USD")]);
        var json = JsonSerializer.Serialize(contribution, EventTypeRegistry.SerializerOptions);

        Assert.That(json, Does.Not.Contain("cartGmv"), "a zero figure is not written");
        Assert.That(Roundtrip(json), Is.EqualTo(contribution.Rows));
        // As rows were stored before zeros were left out: every figure written.
        var everyFigure = json.Replace("\"metrics\":{", "\"metrics\":{\"cartGmv\":0,\"refunded\":0,", StringComparison.Ordinal);
        Assert.That(everyFigure, Does.Contain("\"refunded\":0"));
        Assert.That(Roundtrip(everyFigure), Is.EqualTo(contribution.Rows));

        static IReadOnlyList<RollupRow> Roundtrip(string stored) =>
            JsonSerializer.Deserialize<RevenueContribution>(stored, EventTypeRegistry.SerializerOptions)!.Rows;
    }

    [Test]
    public void A_contribution_moved_onto_a_confirmed_rule_version_keeps_every_figure_and_takes_back_exactly_under_it()
    {
        const string confirmed = "qualified-first.v1;window=48h";
        var stored = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 120m), Day, []);

        var moved = RevenueContributions.UnderRuleVersion(stored, confirmed);

        Assert.That(moved.Rows.Select(r => r.Key.RuleVersion).Distinct(), Is.EqualTo(new[] { confirmed }));
        Assert.That(moved.Order!.RuleVersion, Is.EqualTo(confirmed));
        Assert.That(moved.Rows.Select(r => r with { Key = r.Key with { RuleVersion = Version } }), Is.EqualTo(stored.Rows), "only the version moves");
        Assert.That(RevenueContributions.UnderRuleVersion(moved, confirmed), Is.SameAs(moved), "already there");
        var revised = RevenueContributions.Of(Decision(RevenueKind.CHECKOUT, 120m, attributed: false, revision: 2, version: confirmed), Day, []);
        Assert.That(RevenueContributions.Delta(moved, revised).Select(r => r.Key.RuleVersion).Distinct(), Is.EqualTo(new[] { confirmed }),
            "a revision after the move takes back under the confirmed version, where the moved rows are");
    }
}
