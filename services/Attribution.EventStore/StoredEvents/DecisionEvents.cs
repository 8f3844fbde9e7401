using Attribution.Contracts.Attribution;
using Attribution.Domain.Rules;

namespace Attribution.EventStore.StoredEvents;

/// <summary>Stored decision events, in one stream per source event: <c>attribution:{company}:{eventId}</c>, version = revision.</summary>
public static class DecisionEvents
{
    public static EventTypeRegistry RegisterDecisionEvents(this EventTypeRegistry registry) => registry
        .Register<V2.AttributionDecided>("attribution_decided.v2")
        .Upcast<V1.AttributionDecided, V2.AttributionDecided>("attribution_decided.v1", V2.AttributionDecided.From)
        .Register<V1.RefundDecided>("refund_decided.v1")
        .Register<V1.RuleVersionConfirmed>("rule_version_confirmed.v1");

    public static string StreamId(string companyKey, Guid sourceEventId) => $"attribution:{companyKey}:{sourceEventId}";

    /// <summary>The company's rule confirmations, one stream per company.</summary>
    public static string RulesStreamId(string companyKey) => $"rules:{companyKey}";

    public static class V1
    {
        /// <summary>
        /// A decision as stored until v2: it also carried the rule set's description, the same text in every
        /// decision of a rule version (a third of the JSON). Read only, through the upcaster to v2.
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

        /// <summary>
        /// A replay under <see cref="RuleVersion"/> re-decided every decision of the company stored up to
        /// <see cref="ThroughSequence"/> and found those it did not revise the same under it but for the
        /// rule version's name: they stand under this version from now on (<c>RuleConfirmations.Effective</c>).
        /// One event in place of a revision per unchanged decision, so a window change writes only what it changes.
        /// Stream: <c>rules:{company}</c>.
        /// </summary>
        public sealed record RuleVersionConfirmed(
            Guid ConfirmationId,
            string CompanyKey,
            string RuleVersion,
            int WindowHours,
            long ThroughSequence,
            DateTimeOffset ConfirmedAt);
    }

    public static class V2
    {
        /// <summary>
        /// The decision for one cart or checkout event, at one revision. <see cref="Counted"/> is false for test
        /// orders and for repeats of an order already counted; such events are recorded and explained, never summed.
        /// <see cref="RuleVersion"/> names the rule set and settings; the rule set's description lives with the
        /// rules (<see cref="RuleVersions.Describe"/>), not in every decision.
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
            string RuleVersion,
            IReadOnlyList<string> Reasons,
            string? UserFingerprint,
            string? Variant)
        {
            /// <summary>Upcaster: a v1 decision is the same decision; its copy of the rule's description is dropped.</summary>
            public static AttributionDecided From(V1.AttributionDecided v1) => new(
                v1.DecisionId, v1.CompanyKey, v1.SourceEventId, v1.Kind, v1.OrderId, v1.Amount, v1.Currency, v1.OccurredAt,
                v1.Revision, v1.Attributed, v1.Counted, v1.Credited, v1.WindowHours, v1.RuleVersion, v1.Reasons,
                v1.UserFingerprint, v1.Variant);
        }
    }
}
