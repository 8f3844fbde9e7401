using Attribution.EventStore;
using Attribution.EventStore.Projections;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.LatestDecisions;

/// <summary>
/// Inline: the latest revision of each decision, kept in the same transaction as the decision
/// event, so the reactor always compares against what is stored. Explain reads it too.
/// Documents are keyed <c>{companyKey}:{sourceEventId}</c>.
/// </summary>
public abstract class LatestRevisionProjection<TDecision> : DocumentProjection<TDecision> where TDecision : class
{
    protected abstract (string CompanyKey, Guid SourceEventId, int Revision) KeyOf(TDecision decision);

    /// <summary>Only decisions: the store then commits other events' groups without a transaction of their own to join.</summary>
    public override IReadOnlyCollection<Type> EventTypes { get; } = [typeof(TDecision)];

    public override string? IdentityOf(StoredEvent e) =>
        e.Data is TDecision d ? DecisionDocuments.Id(KeyOf(d).CompanyKey, KeyOf(d).SourceEventId) : null;

    public override TDecision Create(string id, StoredEvent first) => (TDecision)first.Data;

    public override TDecision Apply(TDecision current, StoredEvent e) =>
        e.Data is TDecision next && KeyOf(next).Revision >= KeyOf(current).Revision ? next : current;

    /// <summary>As <see cref="Apply"/> keeps a stored revision only over a lower one.</summary>
    protected override string StoredWinsWhen => "(d.data->>'revision')::int > (excluded.data->>'revision')::int";
}

public static class DecisionDocuments
{
    /// <summary>Decision documents are keyed by company and source event.</summary>
    public static string Id(string companyKey, Guid sourceEventId) => $"{companyKey}:{sourceEventId}";
}

/// <summary>The latest <see cref="V2.AttributionDecided"/> per cart or checkout event.</summary>
public sealed class LatestDecisionProjection : LatestRevisionProjection<V2.AttributionDecided>
{
    /// <summary>Per company and source event (id <c>{companyKey}:{eventId}</c>); a stored name, never renamed.</summary>
    public const string DocumentTypeName = "attribution_decision";

    public override string Name => "latest_decisions";

    public override string DocumentType => DocumentTypeName;

    protected override (string, Guid, int) KeyOf(V2.AttributionDecided d) => (d.CompanyKey, d.SourceEventId, d.Revision);
}

/// <summary>The latest <see cref="V1.RefundDecided"/> per refund event.</summary>
public sealed class LatestRefundProjection : LatestRevisionProjection<V1.RefundDecided>
{
    /// <summary>Per company and refund event (id <c>{companyKey}:{eventId}</c>); a stored name, never renamed.</summary>
    public const string DocumentTypeName = "refund_decision";

    public override string Name => "latest_refunds";

    public override string DocumentType => DocumentTypeName;

    protected override (string, Guid, int) KeyOf(V1.RefundDecided d) => (d.CompanyKey, d.RefundEventId, d.Revision);
}
