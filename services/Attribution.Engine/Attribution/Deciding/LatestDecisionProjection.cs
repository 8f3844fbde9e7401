using Attribution.EventStore;
using Attribution.EventStore.Projections;
using static Attribution.Engine.Attribution.DecisionEvents;

namespace Attribution.Engine.Attribution.Deciding;

/// <summary>
/// Inline: the latest revision of each decision, kept in the same transaction as the decision
/// event, so the reactor always compares against what is stored. Explain reads it too.
/// </summary>
public sealed class LatestDecisionProjection : DocumentProjection<V1.AttributionDecided>
{
    public const string DocumentTypeName = ServiceDefaults.ReadModels.DocumentTypes.AttributionDecision;

    public static string DocumentId(string companyKey, Guid sourceEventId) => $"{companyKey}:{sourceEventId}";

    public override string Name => "latest_decisions";

    public override string DocumentType => DocumentTypeName;

    public override string? IdentityOf(StoredEvent e) =>
        e.Data is V1.AttributionDecided d ? DocumentId(d.CompanyKey, d.SourceEventId) : null;

    public override V1.AttributionDecided Create(string id, StoredEvent first) => (V1.AttributionDecided)first.Data;

    public override V1.AttributionDecided Apply(V1.AttributionDecided current, StoredEvent e) =>
        e.Data is V1.AttributionDecided next && next.Revision >= current.Revision ? next : current;
}

/// <summary>Inline: the latest revision of each refund decision (see <see cref="V1.RefundDecided"/>).</summary>
public sealed class LatestRefundProjection : DocumentProjection<V1.RefundDecided>
{
    public const string DocumentTypeName = ServiceDefaults.ReadModels.DocumentTypes.RefundDecision;

    public static string DocumentId(string companyKey, Guid refundEventId) => $"{companyKey}:{refundEventId}";

    public override string Name => "latest_refunds";

    public override string DocumentType => DocumentTypeName;

    public override string? IdentityOf(StoredEvent e) =>
        e.Data is V1.RefundDecided d ? DocumentId(d.CompanyKey, d.RefundEventId) : null;

    public override V1.RefundDecided Create(string id, StoredEvent first) => (V1.RefundDecided)first.Data;

    public override V1.RefundDecided Apply(V1.RefundDecided current, StoredEvent e) =>
        e.Data is V1.RefundDecided next && next.Revision >= current.Revision ? next : current;
}
