using Attribution.Contracts.Ingestion;
using Attribution.Domain.Visitors;
using Attribution.EventStore.StoredEvents;

namespace Attribution.Engine.Recording;

/// <summary>
/// Which stream each accepted message is recorded in, and as which stored event. Pure.
/// Visitor events go to the visitor's stream; an order without any fingerprint is an anonymous
/// visitor of its own (still decided and deduplicated); a refund goes to its order's stream.
/// </summary>
public static class StreamPlacement
{
    public static (string StreamId, object Event) Of(CartEventReceived m) =>
        (VisitorKey.StreamId(m.CompanyKey, VisitorKey.Of(m.UserFingerprint, m.UserFaqFingerprint)), VisitorEvents.V1.CartEventRecorded.From(m));

    public static (string StreamId, object Event) Of(CheckoutCompleted m) =>
        (VisitorKey.StreamId(m.CompanyKey, m.UserFingerprint is null && m.UserFaqFingerprint is null
                ? VisitorKey.Anonymous(m.EventId)
                : VisitorKey.Of(m.UserFingerprint, m.UserFaqFingerprint)),
         VisitorEvents.V1.CheckoutRecorded.From(m));

    // CHAT and NUDGE are keyed by the chat fingerprint, FAQ by the FAQ fingerprint (contract §3).
    public static (string StreamId, object Event) Of(InteractionRecorded m) =>
        (VisitorKey.StreamId(m.CompanyKey, m.Channel == InteractionChannel.FAQ
                ? VisitorKey.Of(null, m.UserFaqFingerprint)
                : VisitorKey.Of(m.UserFingerprint, null)),
         VisitorEvents.V1.VisitorInteractionRecorded.From(m));

    public static (string StreamId, object Event) Of(RefundRecorded m) =>
        ($"order:{m.CompanyKey}:{m.OrderId}", VisitorEvents.V1.OrderRefundRecorded.From(m));
}
