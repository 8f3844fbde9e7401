using Attribution.Domain.Rules;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>
/// What a fresh decision is compared against to tell whether it is a new revision: the latest
/// decision's revision and the parts of it an auditor reads. A replay reads these fields alone for
/// every decision of a company, where deserializing whole documents was most of its set-up.
/// </summary>
public sealed record DecisionStanding(
    Guid SourceEventId,
    int Revision,
    bool Attributed,
    bool Counted,
    CreditedInteraction? Credited,
    string RuleVersion,
    IReadOnlyList<string> Reasons,
    string? UserFingerprint)
{
    public static DecisionStanding Of(V2.AttributionDecided d) =>
        new(d.SourceEventId, d.Revision, d.Attributed, d.Counted, d.Credited, d.RuleVersion, d.Reasons, d.UserFingerprint);
}
