using Attribution.Contracts.Ingestion;

namespace Attribution.Engine.RevenueProjector.VisitorCarts;

/// <summary>A visitor's cart as their cart events describe it (read model document).</summary>
public sealed record VisitorCart
{
    public const string DocumentType = ServiceDefaults.ReadModels.DocumentTypes.VisitorCart;

    public required string CompanyKey { get; init; }
    public required string VisitorKey { get; init; }
    public IReadOnlyList<VisitorCartLine> Lines { get; init; } = [];
    public int EventCount { get; init; }

    /// <summary>Decreases that went below zero: the sign of a storefront sending totals as changes.</summary>
    public int DecreasesBelowZero { get; init; }

    public DateTimeOffset? LastOccurredAt { get; init; }
}

public sealed record VisitorCartLine(string ProductId, string ProductName, int Quantity, decimal UnitValue, string Currency);

/// <summary>The fold, pure: the same events always give the same cart.</summary>
public static class VisitorCartFold
{
    public static VisitorCart Apply(VisitorCart cart, CartEventType type, string productId, string productName,
        int quantity, decimal value, string currency, DateTimeOffset occurredAt)
    {
        var lines = cart.Lines.ToList();
        var index = lines.FindIndex(l => l.ProductId == productId);
        var current = index >= 0 ? lines[index].Quantity : 0;
        var (next, belowZero) = CartQuantities.Apply(current, type, quantity);

        var line = new VisitorCartLine(productId, productName, next, value, currency);
        if (index < 0 && next > 0) lines.Add(line);
        else if (index >= 0 && next > 0) lines[index] = line;
        else if (index >= 0) lines.RemoveAt(index);

        return cart with
        {
            Lines = lines,
            EventCount = cart.EventCount + 1,
            DecreasesBelowZero = cart.DecreasesBelowZero + (belowZero ? 1 : 0),
            LastOccurredAt = cart.LastOccurredAt is { } last && last > occurredAt ? last : occurredAt,
        };
    }
}

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
