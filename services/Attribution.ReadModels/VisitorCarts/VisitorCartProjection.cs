using Attribution.EventStore;
using Attribution.EventStore.Projections;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Visitors;

namespace Attribution.ReadModels.VisitorCarts;

/// <summary>
/// Files each visitor's cart events, by company and visitor, in the order they happened (asynchronous).
/// The cart is folded from them when read (<see cref="VisitorCartFold.View"/>), so an event that arrives
/// late lands where it happened and a change of the company's quantityMode shows at once.
/// </summary>
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
        V1.CartEventRecorded c => VisitorCartFold.Add(cart,
            new VisitorCartEvent(e.Sequence, c.Type, c.ProductId, c.ProductName, c.Quantity, c.Value, c.Currency, c.OccurredAt)),
        _ => cart,
    };
}
