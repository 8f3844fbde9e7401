using Attribution.Contracts.Ingestion;
using Attribution.EventStore;

namespace Attribution.Engine.Journeys;

/// <summary>
/// The events stored in a visitor's stream. Stored names are stable and versioned
/// ("cart_event_recorded.v1"): a new shape gets a V2 beside V1, and replays keep reading V1.
/// </summary>
public static class VisitorEvents
{
    public static EventTypeRegistry RegisterVisitorEvents(this EventTypeRegistry registry) =>
        registry.Register<V1.CartEventRecorded>("cart_event_recorded.v1");

    public static class V1
    {
        /// <summary>A cart event as the storefront sent it (quantity as sent; see the company's quantity mode).</summary>
        public sealed record CartEventRecorded(
            Guid EventId,
            string CompanyKey,
            string? UserFingerprint,
            string? UserFaqFingerprint,
            CartEventType Type,
            string ProductId,
            string ProductName,
            decimal Value,
            string Currency,
            int Quantity,
            DateTimeOffset OccurredAt,
            DateTimeOffset ReceivedAt)
        {
            public static CartEventRecorded From(CartEventReceived m) => new(
                m.EventId, m.CompanyKey, m.UserFingerprint, m.UserFaqFingerprint, m.Type, m.ProductId, m.ProductName,
                m.Value, m.Currency, m.Quantity, m.OccurredAt, m.ReceivedAt);
        }
    }
}
