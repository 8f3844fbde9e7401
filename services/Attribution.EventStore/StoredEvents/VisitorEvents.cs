using Attribution.Contracts.Ingestion;

namespace Attribution.EventStore.StoredEvents;

/// <summary>
/// The events stored in visitor and order streams. Stored names are stable and versioned
/// ("cart_event_recorded.v1"): a new shape gets a V2 beside V1, and replays keep reading V1.
/// Class names never repeat a contract message's name (the message is what arrived, the stored
/// event what was kept of it); a class may be renamed freely, its stored name never.
/// </summary>
public static class VisitorEvents
{
    public static EventTypeRegistry RegisterVisitorEvents(this EventTypeRegistry registry) => registry
        .Register<V1.CartEventRecorded>(StoredNames.CartEventRecorded)
        .Register<V1.CheckoutRecorded>(StoredNames.CheckoutRecorded)
        .Register<V1.VisitorInteractionRecorded>(StoredNames.InteractionRecorded)
        .Register<V1.OrderRefundRecorded>(StoredNames.RefundRecorded);

    /// <summary>The stored type names, for queries that filter events by type in SQL.</summary>
    public static class StoredNames
    {
        public const string CartEventRecorded = "cart_event_recorded.v1";
        public const string CheckoutRecorded = "checkout_recorded.v1";
        public const string InteractionRecorded = "interaction_recorded.v1";
        public const string RefundRecorded = "refund_recorded.v1";
    }

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

        public sealed record CheckoutRecorded(
            Guid EventId,
            string CompanyKey,
            string? UserFingerprint,
            string? UserFaqFingerprint,
            string? OrderId,
            decimal Value,
            string Currency,
            IReadOnlyList<CheckoutLineItem> LineItems,
            bool Test,
            string Source,
            DateTimeOffset OccurredAt,
            DateTimeOffset ReceivedAt)
        {
            public static CheckoutRecorded From(CheckoutCompleted m) => new(
                m.EventId, m.CompanyKey, m.UserFingerprint, m.UserFaqFingerprint, m.OrderId, m.Value, m.Currency,
                m.LineItems, m.Test, m.Source, m.OccurredAt, m.ReceivedAt);
        }

        /// <summary>A chat, FAQ or nudge interaction, in its visitor's stream (stored as "interaction_recorded.v1").</summary>
        public sealed record VisitorInteractionRecorded(
            Guid EventId,
            string CompanyKey,
            string? UserFingerprint,
            string? UserFaqFingerprint,
            InteractionChannel Channel,
            InteractionKind Kind,
            string? ConversationId,
            string? Text,
            bool? Helpful,
            string? NudgeId,
            string? Variant,
            DateTimeOffset OccurredAt,
            DateTimeOffset ReceivedAt)
        {
            public static VisitorInteractionRecorded From(InteractionRecorded m) => new(
                m.EventId, m.CompanyKey, m.UserFingerprint, m.UserFaqFingerprint, m.Channel, m.Kind, m.ConversationId,
                m.Text, m.Helpful, m.NudgeId, m.Variant, m.OccurredAt, m.ReceivedAt);
        }

        /// <summary>A refund, in its order's stream (stored as "refund_recorded.v1").</summary>
        public sealed record OrderRefundRecorded(
            Guid EventId,
            string CompanyKey,
            string RefundId,
            string OrderId,
            decimal Amount,
            string Currency,
            DateTimeOffset OccurredAt,
            DateTimeOffset ReceivedAt)
        {
            public static OrderRefundRecorded From(RefundRecorded m) => new(
                m.EventId, m.CompanyKey, m.RefundId, m.OrderId, m.Amount, m.Currency, m.OccurredAt, m.ReceivedAt);
        }
    }
}
