using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using Attribution.Engine.Deciding;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Companies;
using Attribution.Domain.Rules;
using Attribution.EventStore.StoredEvents;
using Attribution.ReadModels.LatestDecisions;

namespace Attribution.UnitTests.Engine.Deciding;

public sealed class OrderCountingTests
{
    private static readonly Guid Browser = Guid.NewGuid(), Webhook = Guid.NewGuid(), Refresh = Guid.NewGuid(), TestOrder = Guid.NewGuid();

    [Test]
    public void Among_browser_copies_of_an_order_the_copy_with_a_fingerprint_wins()
    {
        // The first copy came without fingerprints; the thank-you page carried the visitor's.
        var counted = OrderCounting.CountedOf([new(Webhook, 10, HasFingerprint: false, Test: false), new(Browser, 12, HasFingerprint: true, Test: false)]);
        Assert.That(counted, Is.EqualTo(Browser));
    }

    [TestCase(10, 12, TestName = "A verified copy beats a browser copy sent after it")]
    [TestCase(12, 10, TestName = "A verified copy beats a browser copy sent before it")]
    public void A_verified_copy_of_an_order_beats_any_browser_copy(long verifiedSequence, long browserSequence)
    {
        // A browser copy (public key) can never displace the signed webhook's order, even with a fingerprint.
        var counted = OrderCounting.CountedOf(
        [
            new(Browser, browserSequence, HasFingerprint: true, Test: false),
            new(Webhook, verifiedSequence, HasFingerprint: false, Test: false, Verified: true),
        ]);
        Assert.That(counted, Is.EqualTo(Webhook));
    }

    [Test]
    public void A_thank_you_page_refresh_counts_the_first_copy_only()
    {
        var counted = OrderCounting.CountedOf([new(Refresh, 20, true, false), new(Browser, 12, true, false)]);
        Assert.That(counted, Is.EqualTo(Browser));
    }

    [Test]
    public void Test_orders_are_never_counted()
    {
        Assert.That(OrderCounting.CountedOf([new(TestOrder, 1, true, Test: true)]), Is.Null);
        var e = new AttributableEvent(TestOrder, RevenueKind.CHECKOUT, DateTimeOffset.UnixEpoch, 1, 10m, "USD", "O-1", Test: true, "fp", null);
        var (counted, reasons) = OrderCounting.Of(e, null);
        Assert.That(counted, Is.False);
        Assert.That(reasons, Has.Some.Contains("Test order"));
    }

    [Test]
    public void The_uncounted_copy_says_which_event_is_counted()
    {
        var copy = new AttributableEvent(Refresh, RevenueKind.CHECKOUT, DateTimeOffset.UnixEpoch, 20, 199.97m, "USD", "ORDER-7890", false, "fp", null);
        var (counted, reasons) = OrderCounting.Of(copy, Browser);
        Assert.That(counted, Is.False);
        Assert.That(reasons.Single(), Does.Contain("ORDER-7890").And.Contain(Browser.ToString()));
    }

    [Test]
    public void Cart_events_always_count() =>
        Assert.That(OrderCounting.Of(new AttributableEvent(Guid.NewGuid(), RevenueKind.CART, DateTimeOffset.UnixEpoch, 1, 5m, "USD", null, false, "fp", null), null).Counted, Is.True);
}

public sealed class RevisionsTests
{
    private static readonly AttributableEvent Event = new(Guid.NewGuid(), RevenueKind.CHECKOUT, DateTimeOffset.UnixEpoch, 1, 120m, "USD", "O-1", false, "fp", null);
    private static readonly CreditedInteraction Chat = new(InteractionChannel.CHAT, "c1", null, "B", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static AttributionDecision Decision(bool attributed, int window = 24, params string[] reasons) =>
        new(Event.EventId, attributed, attributed ? Chat : null, window, new RuleSettings(window).RuleVersion, reasons);

    private static DecisionStanding? Standing(DecisionEvents.V2.AttributionDecided? stored) => stored is null ? null : DecisionStanding.Of(stored);

    [Test]
    public void The_first_decision_is_revision_one_with_a_deterministic_id()
    {
        var first = Revisions.Next("ck", Event, Decision(true), true, [], null)!;
        var again = Revisions.Next("ck", Event, Decision(true), true, [], null)!;

        Assert.That(first.Revision, Is.EqualTo(1));
        Assert.That(again.DecisionId, Is.EqualTo(first.DecisionId));
        Assert.That(Revisions.OutcomeChanged(null, first), Is.True);
    }

    [Test]
    public void The_same_decision_is_no_revision()
    {
        var current = Revisions.Next("ck", Event, Decision(false, 24, "no real shopper message"), true, [], null);
        Assert.That(Revisions.Next("ck", Event, Decision(false, 24, "no real shopper message"), true, [], Standing(current)), Is.Null);
    }

    [Test]
    public void New_reasons_are_a_revision_that_is_stored_but_not_announced()
    {
        var current = Revisions.Next("ck", Event, Decision(false, 24, "No conversation or nudge click"), true, [], null)!;
        var next = Revisions.Next("ck", Event, Decision(false, 24, "CHAT conversation c: no answer was marked helpful."), true, [], Standing(current))!;

        Assert.That(next.Revision, Is.EqualTo(2));
        Assert.That(next.Reasons, Is.EqualTo(new[] { "CHAT conversation c: no answer was marked helpful." }));
        Assert.That(Revisions.OutcomeChanged(current, next), Is.False);
    }

    [Test]
    public void A_copy_judged_on_another_visitors_journey_is_revised_to_name_that_visitor_without_an_announcement()
    {
        var alone = Event with { UserFingerprint = null };
        var current = Revisions.Next("ck", alone, Decision(false, 24, "No conversation or nudge click"), true, [], null)!;
        var lent = Revisions.Next("ck", Event, Decision(false, 24, "No conversation or nudge click"), true, [], Standing(current))!;

        Assert.That(lent.Revision, Is.EqualTo(2));
        Assert.That(lent.UserFingerprint, Is.EqualTo("fp"));
        Assert.That(Revisions.OutcomeChanged(current, lent), Is.False);
        Assert.That(Revisions.Next("ck", Event, Decision(false, 24, "No conversation or nudge click"), true, [], Standing(lent)), Is.Null);
    }

    [Test]
    public void A_changed_outcome_is_the_next_revision_and_is_announced()
    {
        var current = Revisions.Next("ck", Event, Decision(false), true, [], null)!;
        var next = Revisions.Next("ck", Event, Decision(true), true, [], Standing(current))!;

        Assert.That(next.Revision, Is.EqualTo(2));
        Assert.That(next.DecisionId, Is.Not.EqualTo(current.DecisionId));
        Assert.That(Revisions.OutcomeChanged(current, next), Is.True);
        Assert.That(Revisions.OutcomeChanged(null, current), Is.False, "an unattributed first decision is not announced");
    }

    [Test]
    public void A_new_rule_version_alone_is_stored_but_not_announced()
    {
        var current = Revisions.Next("ck", Event, Decision(true, 24), true, [], null)!;
        var next = Revisions.Next("ck", Event, Decision(true, 48), true, [], Standing(current))!;

        Assert.That(next.RuleVersion, Is.EqualTo("qualified-first.v1;window=48h"));
        Assert.That(Revisions.OutcomeChanged(current, next), Is.False);
    }

    [Test]
    public void A_replay_writes_no_revision_for_a_new_rule_version_alone_but_does_for_a_new_outcome_or_reasons()
    {
        var current = Revisions.Next("ck", Event, Decision(true, 24), true, [], null)!;

        Assert.That(Revisions.Next("ck", Event, Decision(true, 48), true, [], Standing(current), confirmsRuleVersion: true), Is.Null,
            "the replay's confirmation carries the new version");
        Assert.That(Revisions.Next("ck", Event, Decision(false, 48), true, [], Standing(current), confirmsRuleVersion: true)!.Revision, Is.EqualTo(2));
        Assert.That(Revisions.Next("ck", Event, Decision(true, 48, "a new reason"), true, [], Standing(current), confirmsRuleVersion: true)!.Revision, Is.EqualTo(2));
    }
}

public sealed class VisitorJourneyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static (long, object) Cart(long seq, CartEventType type, int quantity, int minute, string product = "A") =>
        (seq, new V1.CartEventRecorded(Guid.NewGuid(), "ck", "fp", null, type, product, product, 10m, "USD", quantity, T0.AddMinutes(minute), T0));

    [Test]
    public void Cart_gmv_is_value_times_quantity_negative_for_decreases_and_removals()
    {
        var amounts = VisitorJourney.Attributable(
            [Cart(1, CartEventType.ITEM_ADDED, 2, 0), Cart(2, CartEventType.QUANTITY_INCREASED, 1, 1), Cart(3, CartEventType.QUANTITY_DECREASED, 1, 2), Cart(4, CartEventType.ITEM_REMOVED, 2, 3)],
            QuantityMode.CHANGE).Select(e => e.Amount);

        Assert.That(amounts, Is.EqualTo(new[] { 20m, 10m, -10m, -20m }));
    }

    [Test]
    public void In_total_mode_the_change_is_derived_from_the_visitors_cart_in_occurred_at_order()
    {
        // Totals 1, 3, 2 then removal; the second event arrived (sequence) last but happened second.
        var events = VisitorJourney.Attributable(
            [Cart(1, CartEventType.ITEM_ADDED, 1, 0), Cart(9, CartEventType.QUANTITY_INCREASED, 3, 1), Cart(3, CartEventType.QUANTITY_DECREASED, 2, 2), Cart(4, CartEventType.ITEM_REMOVED, 0, 3)],
            QuantityMode.TOTAL);

        Assert.That(events.Select(e => e.Amount), Is.EqualTo(new[] { 10m, 20m, -10m, -20m }));
    }

    [Test]
    public void A_checkout_is_attributable_with_its_order_total()
    {
        var checkout = new V1.CheckoutRecorded(Guid.NewGuid(), "ck", "fp", null, "ORDER-7890", 199.97m, "USD", [], false, "api", T0, T0);
        var e = VisitorJourney.Attributable([(5, checkout)], QuantityMode.CHANGE).Single();

        Assert.That((e.Kind, e.Amount, e.OrderId), Is.EqualTo((RevenueKind.CHECKOUT, 199.97m, "ORDER-7890")));
    }
}
