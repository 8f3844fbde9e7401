using Attribution.Domain.Ids;
using Attribution.Domain.Rules;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using Attribution.EventStore.StoredEvents;
using Attribution.ReadModels.LatestDecisions;

namespace Attribution.Engine.Deciding;

/// <summary>
/// Pure: whether a fresh decision is a new revision of what is stored. A revision is written when
/// anything an auditor reads changed: the outcome (attributed, credit, counted), the rule version
/// or the reasons (a late interaction before the event changes them). The same inputs give the same
/// decision, so a replay under the same settings changes nothing. Only outcome changes are announced.
/// A replay passes <c>confirmsRuleVersion</c>: it writes no revision for a decision that differs only
/// in the rule version's name, and confirms all of those at once (<see cref="V1.RuleVersionConfirmed"/>).
/// </summary>
public static class Revisions
{
    public static V2.AttributionDecided? Next(
        string companyKey, AttributableEvent e, AttributionDecision decision, bool counted, IReadOnlyList<string> countingReasons,
        DecisionStanding? current, bool confirmsRuleVersion = false)
    {
        string[] reasons = [.. countingReasons, .. decision.Reasons];
        // The visitor it is judged on is part of it: a verified copy decided before the browser's copy arrived
        // is revised to name the visitor that copy lends it, whether the outcome moves or not.
        var visitor = e.UserFingerprint ?? e.UserFaqFingerprint;
        if (current is not null
            && current.UserFingerprint == visitor
            && current.Attributed == decision.Attributed
            && current.Credited == decision.Credited
            && current.Counted == counted
            && (confirmsRuleVersion || current.RuleVersion == decision.RuleVersion)
            && current.Reasons.SequenceEqual(reasons, StringComparer.Ordinal))
            return null;

        var revision = (current?.Revision ?? 0) + 1;
        return new V2.AttributionDecided(
            NameBasedIds.For(companyKey, $"decision:{e.EventId}:{revision}"),
            companyKey, e.EventId, e.Kind, e.OrderId, e.Amount, e.Currency, e.OccurredAt, revision,
            decision.Attributed, counted, decision.Credited, decision.WindowHours, decision.RuleVersion,
            reasons, visitor, decision.Credited?.Variant);
    }

    /// <summary>A refund's next revision, or null when what it subtracts, and from which credit, is unchanged.</summary>
    public static V1.RefundDecided? NextRefund(
        string companyKey, VisitorEvents.V1.OrderRefundRecorded refund, RefundRules.Application application,
        V2.AttributionDecided? order, V1.RefundDecided? current, bool confirmsRuleVersion = false)
    {
        var attributed = order is { Attributed: true, Counted: true };
        var credited = attributed ? order!.Credited : null;
        if (current is not null && current.Applied == application.Applied && current.Attributed == attributed
            && current.Credited == credited
            && (current.RuleVersion == order?.RuleVersion || confirmsRuleVersion && current.RuleVersion is not null && order is not null))
            return null;

        var revision = (current?.Revision ?? 0) + 1;
        return new V1.RefundDecided(
            NameBasedIds.For(companyKey, $"decision:{refund.EventId}:{revision}"), companyKey, refund.EventId, refund.RefundId, refund.OrderId,
            application.Requested, application.Applied, refund.Currency, refund.OccurredAt, revision, attributed, credited, order?.RuleVersion,
            application.Reasons);
    }

    /// <summary>True when downstream consumers must hear of the change (not for a rule-version-only change).</summary>
    public static bool OutcomeChanged(V2.AttributionDecided? previous, V2.AttributionDecided next) =>
        previous is null
            ? next.Attributed && next.Counted
            : previous.Attributed != next.Attributed || previous.Credited != next.Credited || previous.Counted != next.Counted;
}
