using Attribution.EventStore;
using Attribution.EventStore.StoredEvents;
using static Attribution.EventStore.StoredEvents.VisitorEvents;

namespace Attribution.UnitTests.EventStore.StoredEvents;

/// <summary>Stored names outlive class names: replays read events by the names they were first written under.</summary>
public sealed class VisitorEventsTests
{
    private static readonly EventTypeRegistry Registry = new EventTypeRegistry().RegisterVisitorEvents();

    [Test]
    public void Each_visitor_event_is_written_under_the_name_it_was_first_stored_as()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Registry.NameOf(typeof(V1.CartEventRecorded)), Is.EqualTo("cart_event_recorded.v1"));
            Assert.That(Registry.NameOf(typeof(V1.CheckoutRecorded)), Is.EqualTo("checkout_recorded.v1"));
            Assert.That(Registry.NameOf(typeof(V1.VisitorInteractionRecorded)), Is.EqualTo("interaction_recorded.v1"));
            Assert.That(Registry.NameOf(typeof(V1.OrderRefundRecorded)), Is.EqualTo("refund_recorded.v1"));
        });
    }

    /// <summary>A replay reads checkouts' fields in SQL by this shape's names: an older shape upcast to it would need its own.</summary>
    [Test]
    public void Checkouts_are_stored_under_one_name_in_one_shape() =>
        Assert.That(Registry.StoredNamesOf(typeof(V1.CheckoutRecorded)), Is.EqualTo(new[] { StoredNames.CheckoutRecorded }));

    [Test]
    public void No_stored_event_class_shares_its_name_with_a_contract_message()
    {
        var messages = typeof(Contracts.Ingestion.InteractionRecorded).Assembly.GetExportedTypes().Select(t => t.Name).ToHashSet();
        var stored = typeof(V1).GetNestedTypes().Select(t => t.Name)
            .Concat(typeof(DecisionEvents).GetNestedTypes().SelectMany(v => v.GetNestedTypes()).Select(t => t.Name));

        Assert.That(stored.Where(messages.Contains), Is.Empty);
    }
}
