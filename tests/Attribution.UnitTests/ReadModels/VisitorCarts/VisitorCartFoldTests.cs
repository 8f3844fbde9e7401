using Attribution.Contracts.Ingestion;
using Attribution.Domain.Companies;
using Attribution.ReadModels.VisitorCarts;

namespace Attribution.UnitTests.ReadModels.VisitorCarts;

public sealed class VisitorCartFoldTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly VisitorCart Empty = new() { CompanyKey = "ck", VisitorKey = "fp_1" };

    private static VisitorCartEvent Event(long sequence, CartEventType type, string product, int quantity, int minute, decimal value = 10m) =>
        new(sequence, type, product, product + " name", quantity, value, "USD", T0.AddMinutes(minute));

    /// <summary>Files the events as they arrive (the list's order), each with its own sequence and minute.</summary>
    private static VisitorCart Arrive(params VisitorCartEvent[] events) => events.Aggregate(Empty, VisitorCartFold.Add);

    private static IEnumerable<(string, int)> Units(VisitorCartView view) => view.Lines.Select(l => (l.ProductId, l.Quantity));

    [Test]
    public void Quantities_are_changes_added_and_subtracted_per_product()
    {
        var view = VisitorCartFold.View(Arrive(
            Event(1, CartEventType.ITEM_ADDED, "A", 1, 0),
            Event(2, CartEventType.QUANTITY_INCREASED, "A", 2, 1),
            Event(3, CartEventType.ITEM_ADDED, "B", 1, 2),
            Event(4, CartEventType.QUANTITY_DECREASED, "A", 1, 3)), QuantityMode.CHANGE);

        Assert.That(Units(view), Is.EqualTo(new[] { ("A", 2), ("B", 1) }));
        Assert.That(view.EventCount, Is.EqualTo(4));
        Assert.That(view.LastOccurredAt, Is.EqualTo(T0.AddMinutes(3)));
        Assert.That(view.DecreasesBelowZero, Is.Zero);
    }

    [Test]
    public void Removing_an_item_drops_its_line()
    {
        var view = VisitorCartFold.View(Arrive(Event(1, CartEventType.ITEM_ADDED, "A", 3, 0), Event(2, CartEventType.ITEM_REMOVED, "A", 3, 1)),
            QuantityMode.CHANGE);
        Assert.That(view.Lines, Is.Empty);
    }

    [Test]
    public void A_decrease_below_zero_is_counted_and_floored()
    {
        // A storefront sending totals as changes: "quantity 2" after "quantity 1" looks like -1 below zero.
        var view = VisitorCartFold.View(Arrive(Event(1, CartEventType.ITEM_ADDED, "A", 1, 0), Event(2, CartEventType.QUANTITY_DECREASED, "A", 2, 1)),
            QuantityMode.CHANGE);

        Assert.That(view.Lines, Is.Empty);
        Assert.That(view.DecreasesBelowZero, Is.EqualTo(1));
    }

    [Test]
    public void Events_that_arrive_out_of_order_give_the_cart_of_the_order_they_happened_in()
    {
        // Happened: added 2, decreased 1, increased 3 (= 4). Arrived: the decrease first, the add last.
        var added = Event(3, CartEventType.ITEM_ADDED, "A", 2, 0, value: 9m);
        var decreased = Event(1, CartEventType.QUANTITY_DECREASED, "A", 1, 1);
        var increased = Event(2, CartEventType.QUANTITY_INCREASED, "A", 3, 2, value: 11m);

        var late = VisitorCartFold.View(Arrive(decreased, increased, added), QuantityMode.CHANGE);
        var inOrder = VisitorCartFold.View(Arrive(added, decreased, increased), QuantityMode.CHANGE);

        Assert.That(Units(late), Is.EqualTo(new[] { ("A", 4) }), "folded in arrival order it would be 0 - 1 (floored) + 3 + 2 = 5");
        Assert.That(late.DecreasesBelowZero, Is.Zero, "the late ITEM_ADDED explains the decrease");
        Assert.That(late.Lines[0].UnitValue, Is.EqualTo(11m), "the latest event's unit price, by occurredAt");
        Assert.That(late.LastOccurredAt, Is.EqualTo(T0.AddMinutes(2)), "a late event never moves last activity backwards");
        Assert.That(late.Lines, Is.EqualTo(inOrder.Lines), "the same cart whatever the arrival order");
        Assert.That((late.EventCount, late.DecreasesBelowZero), Is.EqualTo((inOrder.EventCount, inOrder.DecreasesBelowZero)));
    }

    [Test]
    public void Events_at_the_same_moment_keep_the_order_they_were_recorded_in()
    {
        var cart = Arrive(Event(2, CartEventType.ITEM_REMOVED, "A", 1, 0), Event(1, CartEventType.ITEM_ADDED, "A", 1, 0));
        Assert.That(cart.Events.Select(e => e.Sequence), Is.EqualTo(new[] { 1L, 2L }));
        Assert.That(VisitorCartFold.View(cart, QuantityMode.CHANGE).Lines, Is.Empty);
    }

    [Test]
    public void An_event_filed_twice_is_filed_once()
    {
        var added = Event(1, CartEventType.ITEM_ADDED, "A", 2, 0);
        var cart = Arrive(added, Event(2, CartEventType.QUANTITY_INCREASED, "A", 1, 1), added);
        Assert.That(cart.Events, Has.Count.EqualTo(2));
        Assert.That(Units(VisitorCartFold.View(cart, QuantityMode.CHANGE)), Is.EqualTo(new[] { ("A", 3) }));
    }

    [Test]
    public void In_TOTAL_mode_a_quantity_is_the_line_new_total()
    {
        var cart = Arrive(
            Event(1, CartEventType.ITEM_ADDED, "A", 2, 0),
            Event(2, CartEventType.QUANTITY_INCREASED, "A", 5, 1),
            Event(3, CartEventType.QUANTITY_DECREASED, "A", 1, 2),
            Event(4, CartEventType.ITEM_ADDED, "B", 3, 3),
            Event(5, CartEventType.ITEM_REMOVED, "B", 0, 4));

        var totals = VisitorCartFold.View(cart, QuantityMode.TOTAL);
        Assert.That(Units(totals), Is.EqualTo(new[] { ("A", 1) }), "2, then 5, then 1; B added then removed");
        Assert.That(totals.DecreasesBelowZero, Is.Zero);
        Assert.That(Units(VisitorCartFold.View(cart, QuantityMode.CHANGE)), Is.EqualTo(new[] { ("A", 6) }), "the same events read as changes");
    }
}
