using Attribution.Contracts.Ingestion;
using Attribution.ServiceDefaults.Messaging;
using MassTransit.Serialization;

namespace Attribution.UnitTests.Ingestion.Publishing;

/// <summary>An <see cref="EventBatchReceived"/> survives MassTransit's System.Text.Json serializer with each event's type and order.</summary>
public sealed class EventBatchSerializationTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Each_event_keeps_its_type_fields_and_place()
    {
        object[] events =
        [
            new CartEventReceived
            {
                EventId = Guid.NewGuid(), CompanyKey = "ck_a", UserFingerprint = "fp_1", Type = CartEventType.QUANTITY_DECREASED,
                ProductId = "SKU-1", ProductName = "Shoe", Value = 79.99m, Currency = "USD", Quantity = 2, OccurredAt = At, ReceivedAt = At,
            },
            new CheckoutCompleted
            {
                EventId = Guid.NewGuid(), CompanyKey = "ck_b", UserFingerprint = "fp_1", OrderId = "O-1", Value = 10.005m, Currency = "EUR",
                LineItems = [new CheckoutLineItem("SKU-1", "Shoe", 1, 10.005m, "EUR")], Source = CheckoutSources.Server, OccurredAt = At, ReceivedAt = At,
            },
            new InteractionRecorded
            {
                EventId = Guid.NewGuid(), CompanyKey = "ck_a", UserFingerprint = "fp_1", Channel = InteractionChannel.FAQ,
                Kind = InteractionKind.ASSISTANT_ANSWER, Helpful = true, Text = "ünïcode ✓", OccurredAt = At, ReceivedAt = At,
            },
            new RefundRecorded
            {
                EventId = Guid.NewGuid(), CompanyKey = "ck_a", RefundId = "R-1", OrderId = "O-1", Amount = 5m, Currency = "EUR", OccurredAt = At, ReceivedAt = At,
            },
        ];
        var batch = new EventBatchReceived { Events = [.. events.Select(BatchedEvents.Of)] };

        var json = System.Text.Json.JsonSerializer.Serialize(batch, SystemTextJsonMessageSerializer.Options);
        var back = System.Text.Json.JsonSerializer.Deserialize<EventBatchReceived>(json, SystemTextJsonMessageSerializer.Options)!;

        var messages = back.Events.Select(BatchedEvents.MessageOf).ToList();
        Assert.That(messages.Select(m => m.GetType()), Is.EqualTo(events.Select(e => e.GetType())), json);
        Assert.That(messages[0], Is.EqualTo(events[0]));
        Assert.That(((CheckoutCompleted)messages[1]).LineItems, Is.EqualTo(((CheckoutCompleted)events[1]).LineItems));
        Assert.That((CheckoutCompleted)messages[1] with { LineItems = [] }, Is.EqualTo((CheckoutCompleted)events[1] with { LineItems = [] }));
        Assert.That(messages[2], Is.EqualTo(events[2]));
        Assert.That(messages[3], Is.EqualTo(events[3]));
    }
}
