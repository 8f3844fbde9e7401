using Attribution.Contracts.Ingestion;

namespace Attribution.Domain.Visitors;

/// <summary>Pure: a cart line's units after one cart event (quantity as a change), never below zero.</summary>
public static class CartQuantities
{
    public static (int Next, bool BelowZero) Apply(int current, CartEventType type, int quantity)
    {
        var next = type switch
        {
            CartEventType.ITEM_ADDED or CartEventType.QUANTITY_INCREASED => current + quantity,
            CartEventType.QUANTITY_DECREASED => current - quantity,
            CartEventType.ITEM_REMOVED => 0,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
        return next < 0 ? (0, true) : (next, false);
    }
}
