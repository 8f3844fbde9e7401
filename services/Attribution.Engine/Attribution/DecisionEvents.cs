using Attribution.Contracts.Attribution;
using Attribution.Engine.Attribution.Rules;
using Attribution.EventStore;

namespace Attribution.Engine.Attribution;

/// <summary>Stored decision events, in one stream per source event: <c>attribution:{company}:{eventId}</c>, version = revision.</summary>
public static class DecisionEvents
{
    public static EventTypeRegistry RegisterDecisionEvents(this EventTypeRegistry registry) => registry
        .Register<V1.AttributionDecided>("attribution_decided.v1")
        .Register<V1.RefundDecided>("refund_decided.v1");

    public static string StreamId(string companyKey, Guid sourceEventId) => $"attribution:{companyKey}:{sourceEventId}";

    public static class V1
    {
        /// <summary>
        /// The decision for one cart or checkout event, at one revision. <see cref="Counted"/> is false for test
        /// orders and for repeats of an order already counted; such events are recorded and explained, never summed.
        /// </summary>
        public sealed record AttributionDecided(
            Guid DecisionId,
            string CompanyKey,
            Guid SourceEventId,
            RevenueKind Kind,
            string? OrderId,
            decimal Amount,
            string Currency,
            DateTimeOffset OccurredAt,
            int Revision,
            bool Attributed,
            bool Counted,
            CreditedInteraction? Credited,
            int WindowHours,
            string Rule,
            string RuleVersion,
            IReadOnlyList<string> Reasons,
            string? UserFingerprint,
            string? Variant);

        /// <summary>
        /// How much of a refund subtracts from the checkout revenue of what its order was credited to
        /// (contract §3), at one revision. Stream: <c>attribution:{company}:{refundEventId}</c>.
        /// </summary>
        public sealed record RefundDecided(
            Guid DecisionId,
            string CompanyKey,
            Guid RefundEventId,
            string RefundId,
            string OrderId,
            decimal Requested,
            decimal Applied,
            string Currency,
            DateTimeOffset OccurredAt,
            int Revision,
            bool Attributed,
            CreditedInteraction? Credited,
            string? RuleVersion,
            IReadOnlyList<string> Reasons);
    }
}
