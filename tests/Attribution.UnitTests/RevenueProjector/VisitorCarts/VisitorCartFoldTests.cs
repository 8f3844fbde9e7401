using Attribution.Contracts.Ingestion;
using Attribution.Engine.RevenueProjector.VisitorCarts;

namespace Attribution.UnitTests.RevenueProjector.VisitorCarts;

public sealed class VisitorCartFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly VisitorCart Empty = new() { CompanyKey = "ck", VisitorKey = "fp_1" };

    private static VisitorCart Apply(VisitorCart cart, CartEventType type, string product, int quantity, int minute = 0) =>
        VisitorCartFold.Apply(cart, type, product, product + " name", quantity, 10m, "USD", T0.AddMinutes(minute));

    [Test]
    public void Quantities_are_changes_added_and_subtracted_per_product()
    {
        var cart = Apply(Empty, CartEventType.ITEM_ADDED, "A", 1);
        cart = Apply(cart, CartEventType.QUANTITY_INCREASED, "A", 2, 1);
        cart = Apply(cart, CartEventType.ITEM_ADDED, "B", 1, 2);
        cart = Apply(cart, CartEventType.QUANTITY_DECREASED, "A", 1, 3);

        Assert.That(cart.Lines.Select(l => (l.ProductId, l.Quantity)), Is.EqualTo(new[] { ("A", 2), ("B", 1) }));
        Assert.That(cart.EventCount, Is.EqualTo(4));
        Assert.That(cart.LastOccurredAt, Is.EqualTo(T0.AddMinutes(3)));
        Assert.That(cart.DecreasesBelowZero, Is.Zero);
    }

    [Test]
    public void Removing_an_item_drops_its_line()
    {
        var cart = Apply(Apply(Empty, CartEventType.ITEM_ADDED, "A", 3), CartEventType.ITEM_REMOVED, "A", 3);
        Assert.That(cart.Lines, Is.Empty);
    }

    [Test]
    public void A_decrease_below_zero_is_counted_and_floored()
    {
        // A storefront sending totals as changes: "quantity 1" after "quantity 2" looks like -1 below zero.
        var cart = Apply(Apply(Empty, CartEventType.ITEM_ADDED, "A", 1), CartEventType.QUANTITY_DECREASED, "A", 2);

        Assert.That(cart.Lines, Is.Empty);
        Assert.That(cart.DecreasesBelowZero, Is.EqualTo(1));
    }

    [Test]
    public void A_late_event_never_moves_last_activity_backwards()
    {
        var cart = Apply(Apply(Empty, CartEventType.ITEM_ADDED, "A", 1, minute: 10), CartEventType.ITEM_ADDED, "B", 1, minute: 5);
        Assert.That(cart.LastOccurredAt, Is.EqualTo(T0.AddMinutes(10)));
    }
}
