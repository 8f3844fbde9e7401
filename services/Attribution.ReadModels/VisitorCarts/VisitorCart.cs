using Attribution.Contracts.Ingestion;
using Attribution.Domain.Companies;
using Attribution.Domain.Visitors;

namespace Attribution.ReadModels.VisitorCarts;

/// <summary>
/// A visitor's cart events in the order they happened (read model document, written by the engine's
/// VisitorCartProjection). The cart itself is derived from them when read (<see cref="VisitorCartFold.View"/>):
/// quantities do not commute (a decrease is floored at zero, a TOTAL is a new level), so a late event
/// must be folded where it happened, and the company's quantityMode decides what a quantity means.
/// </summary>
public sealed record VisitorCart
{
    /// <summary>Per company and visitor (id <c>{companyKey}:{visitorKey}</c>); a stored name, never renamed.</summary>
    public const string DocumentType = "visitor_cart";

    public required string CompanyKey { get; init; }
    public required string VisitorKey { get; init; }

    /// <summary>By occurredAt, then as recorded (store sequence).</summary>
    public IReadOnlyList<VisitorCartEvent> Events { get; init; } = [];
}

/// <summary>One cart event as the cart needs it; no fingerprint (the document's id and VisitorKey carry it).</summary>
public sealed record VisitorCartEvent(
    long Sequence, CartEventType Type, string ProductId, string ProductName, int Quantity, decimal UnitValue, string Currency,
    DateTimeOffset OccurredAt);

/// <summary>The cart as GET /v1/visitors/{fingerprint}/cart answers it.</summary>
public sealed record VisitorCartView(
    string CompanyKey,
    string VisitorKey,
    IReadOnlyList<VisitorCartLine> Lines,
    int EventCount,
    int DecreasesBelowZero, // decreases that went below zero: the sign of a storefront sending totals as changes
    DateTimeOffset? LastOccurredAt);

public sealed record VisitorCartLine(string ProductId, string ProductName, int Quantity, decimal UnitValue, string Currency);

/// <summary>Pure: the same events, in whatever order they arrived, always give the same cart.</summary>
public static class VisitorCartFold
{
    /// <summary>Files an event where it happened. An event already filed (same sequence) changes nothing.</summary>
    public static VisitorCart Add(VisitorCart cart, VisitorCartEvent e)
    {
        var events = cart.Events;
        var at = events.Count;
        while (at > 0 && Compare(events[at - 1], e) > 0) at--; // late events are rare: walk back from the end
        if (at > 0 && events[at - 1].Sequence == e.Sequence) return cart;

        var next = new List<VisitorCartEvent>(events.Count + 1);
        next.AddRange(events.Take(at));
        next.Add(e);
        next.AddRange(events.Skip(at));
        return cart with { Events = next };
    }

    /// <summary>The cart the events describe, quantities read as the company's <paramref name="mode"/> says.</summary>
    public static VisitorCartView View(VisitorCart cart, QuantityMode mode)
    {
        var lines = new List<VisitorCartLine>();
        var belowZero = 0;
        foreach (var e in cart.Events)
        {
            var index = lines.FindIndex(l => l.ProductId == e.ProductId);
            var current = index >= 0 ? lines[index].Quantity : 0;
            var (next, floored) = mode == QuantityMode.TOTAL
                ? (e.Type == CartEventType.ITEM_REMOVED ? 0 : e.Quantity, false)
                : CartQuantities.Apply(current, e.Type, e.Quantity);
            if (floored) belowZero++;

            var line = new VisitorCartLine(e.ProductId, e.ProductName, next, e.UnitValue, e.Currency);
            if (index < 0 && next > 0) lines.Add(line);
            else if (index >= 0 && next > 0) lines[index] = line;
            else if (index >= 0) lines.RemoveAt(index);
        }
        return new VisitorCartView(cart.CompanyKey, cart.VisitorKey, lines, cart.Events.Count, belowZero,
            cart.Events.Count > 0 ? cart.Events[^1].OccurredAt : null);
    }

    private static int Compare(VisitorCartEvent a, VisitorCartEvent b)
    {
        var byTime = a.OccurredAt.CompareTo(b.OccurredAt);
        return byTime != 0 ? byTime : a.Sequence.CompareTo(b.Sequence);
    }
}
