using Attribution.Contracts.Attribution;

namespace Attribution.Domain.Rules;

/// <summary>
/// Pure: which checkout of an order is counted (contract §3: each orderId once per company,
/// whatever the source). A verified copy (Shopify webhook, or sent with the apiSecret) beats a
/// browser copy whenever it arrives, so a browser copy sent first can never displace the real
/// order. Among copies of the same rank, a non-test checkout that carries a fingerprint wins over
/// one that does not (so an order still joins the chat the browser saw); then the earliest recorded.
/// </summary>
public static class OrderCounting
{
    public sealed record Checkout(Guid EventId, long Sequence, bool HasFingerprint, bool Test, bool Verified = false);

    public static Guid? CountedOf(IEnumerable<Checkout> sameOrder) =>
        sameOrder.Where(c => !c.Test)
            .OrderByDescending(c => c.Verified)
            .ThenByDescending(c => c.HasFingerprint)
            .ThenBy(c => c.Sequence)
            .Select(c => (Guid?)c.EventId)
            .FirstOrDefault();

    public static (bool Counted, IReadOnlyList<string> Reasons) Of(AttributableEvent e, Guid? countedEventId)
    {
        if (e.Kind != RevenueKind.CHECKOUT) return (true, []);
        if (e.Test) return (false, ["Test order: recorded, never counted."]);
        if (e.OrderId is null) return (true, ["Checkout without orderId: cannot be deduplicated."]);
        return countedEventId is null || countedEventId == e.EventId
            ? (true, [])
            : (false, [$"Order {e.OrderId} is already counted (event {countedEventId}); this copy is recorded, not counted."]);
    }
}
