using Attribution.Contracts.Ingestion;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.ReadModels.DataQuality;

namespace Attribution.UnitTests.ReadModels.DataQuality;

public sealed class DataQualityFindingsTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    private static V1.CartEventRecorded Cart(CartEventType type, string product, int quantity, int minute) =>
        new(Guid.NewGuid(), "co", "fp", null, type, product, "Shoe", 10m, "USD", quantity, T.AddMinutes(minute), T);

    private static V1.CheckoutRecorded Checkout(string? orderId, bool test = false, decimal value = 40m, string source = CheckoutSources.Browser) =>
        new(Guid.NewGuid(), "co", "fp", null, orderId, value, "USD", [], test, source, T, T);

    [Test]
    public void A_browser_copy_replaced_by_a_verified_copy_of_another_value_is_named_whichever_came_first()
    {
        var early = Checkout("O-1", value: 0.01m);
        var same = Checkout("O-1", value: 500m);
        var verified = Checkout("O-1", value: 500m, source: CheckoutSources.Shopify);
        var late = Checkout("O-1", value: 499m, source: "api"); // stored before sources were ranked: a browser copy

        var findings = DataQualityFindings.OfReplacedBrowserCopies([early, same, verified, late]).ToList();

        Assert.That(findings.Select(f => f.EventId), Is.EquivalentTo(new[] { early.EventId, late.EventId }), "copies of the same value are not named");
        Assert.That(findings.Select(f => f.Reason).Distinct(), Is.EqualTo(new[] { "browser_order_replaced" }));
        Assert.That(findings.First(f => f.EventId == early.EventId).Detail, Does.Contain("0.01").And.Contain("500").And.Contain(verified.EventId.ToString()));
    }

    [Test]
    public void Without_a_verified_copy_no_browser_copy_is_replaced() =>
        Assert.That(DataQualityFindings.OfReplacedBrowserCopies([Checkout("O-1", value: 1m), Checkout("O-1", value: 2m, source: CheckoutSources.Server, test: true)]),
            Is.Empty);

    [Test]
    public void A_decrease_below_what_the_cart_held_is_found()
    {
        var decrease = Cart(CartEventType.QUANTITY_DECREASED, "s1", 2, 1);
        var findings = DataQualityFindings.DecreasesBelowZero([Cart(CartEventType.ITEM_ADDED, "s1", 1, 0), decrease]);
        Assert.That(findings.Single().EventId, Is.EqualTo(decrease.EventId));
        Assert.That(findings.Single().Detail, Does.Contain("held 1"));
    }

    [Test]
    public void Events_are_judged_by_when_they_happened_not_by_arrival()
    {
        // The decrease arrived first but happened after the addition: nothing is wrong.
        var findings = DataQualityFindings.DecreasesBelowZero(
            [Cart(CartEventType.QUANTITY_DECREASED, "s1", 1, 5), Cart(CartEventType.ITEM_ADDED, "s1", 2, 0)]);
        Assert.That(findings, Is.Empty);
    }

    [Test]
    public void Products_are_counted_apart_and_removal_empties_a_line()
    {
        var findings = DataQualityFindings.DecreasesBelowZero(
        [
            Cart(CartEventType.ITEM_ADDED, "s1", 3, 0),
            Cart(CartEventType.QUANTITY_DECREASED, "s2", 1, 1),
            Cart(CartEventType.ITEM_REMOVED, "s1", 3, 2),
            Cart(CartEventType.QUANTITY_DECREASED, "s1", 1, 3),
        ]);
        Assert.That(findings.Select(f => f.Detail), Has.Exactly(1).Contains("s2").And.Exactly(1).Contains("s1"));
    }

    [Test]
    public void A_checkout_without_order_id_is_found_unless_it_is_a_test()
    {
        Assert.That(DataQualityFindings.OfCheckout(Checkout(null))?.Reason, Is.EqualTo("checkout_without_order_id"));
        Assert.That(DataQualityFindings.OfCheckout(Checkout(null, test: true)), Is.Null);
        Assert.That(DataQualityFindings.OfCheckout(Checkout("o1")), Is.Null);
    }

    [Test]
    public void Only_a_later_copy_of_an_order_is_a_duplicate()
    {
        var first = Checkout("o1");
        var again = Checkout("o1");
        Assert.That(DataQualityFindings.OfRepeatedOrder(first, first.EventId), Is.Null);
        Assert.That(DataQualityFindings.OfRepeatedOrder(again, first.EventId)?.Reason, Is.EqualTo("duplicate_order"));
        Assert.That(DataQualityFindings.OfRepeatedOrder(Checkout("o1", test: true), first.EventId), Is.Null);
    }
}
