using Attribution.ServiceDefaults.ReadModels;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults.Visitors;
using static Attribution.Engine.Journeys.VisitorEvents;

namespace Attribution.Engine.RevenueProjector.VisitorCarts;

/// <summary>Builds one <see cref="VisitorCart"/> per company and visitor from cart events (asynchronous).</summary>
public sealed class VisitorCartProjection : DocumentProjection<VisitorCart>
{
    public override string Name => ProjectionNames.VisitorCarts;

    public override string DocumentType => VisitorCart.DocumentType;

    public override IReadOnlyCollection<Type> EventTypes { get; } = [typeof(V1.CartEventRecorded)];

    public override string? IdentityOf(StoredEvent e) => e.Data switch
    {
        V1.CartEventRecorded c => VisitorKey.DocumentId(c.CompanyKey, VisitorKey.Of(c.UserFingerprint, c.UserFaqFingerprint)),
        _ => null,
    };

    public override VisitorCart Create(string id, StoredEvent first) => first.Data switch
    {
        V1.CartEventRecorded c => new VisitorCart { CompanyKey = c.CompanyKey, VisitorKey = VisitorKey.Of(c.UserFingerprint, c.UserFaqFingerprint) },
        _ => throw new InvalidOperationException($"{first.TypeName} cannot start a visitor cart."),
    };

    public override VisitorCart Apply(VisitorCart cart, StoredEvent e) => e.Data switch
    {
        V1.CartEventRecorded c => VisitorCartFold.Apply(cart, c.Type, c.ProductId, c.ProductName, c.Quantity, c.Value, c.Currency, c.OccurredAt),
        _ => cart,
    };
}
