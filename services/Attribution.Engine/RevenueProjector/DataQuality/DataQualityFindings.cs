using System.Globalization;
using Attribution.Contracts.Ingestion;
using Attribution.ServiceDefaults.ReadModels;
using Attribution.ServiceDefaults.Visitors;
using static Attribution.Engine.Journeys.VisitorEvents;

namespace Attribution.Engine.RevenueProjector.DataQuality;

/// <summary>Something an accepted event got wrong, with one line a shop owner can act on.</summary>
public sealed record DataQualityFinding(string CompanyKey, string Reason, Guid EventId, string Kind, DateTimeOffset OccurredAt, string Detail);

/// <summary>Pure: which findings an accepted event raises, given what came before it.</summary>
public static class DataQualityFindings
{
    /// <summary>A checkout without orderId cannot be deduplicated: a thank-you page refresh counts it twice.</summary>
    public static DataQualityFinding? OfCheckout(V1.CheckoutRecorded c) => c.OrderId is null && !c.Test
        ? new(c.CompanyKey, DataQualityReasons.CheckoutWithoutOrderId, c.EventId, "checkout", c.OccurredAt,
            $"Checkout of {Amount(c.Value)} {c.Currency} has no orderId, so a repeat of it cannot be recognised.")
        : null;

    /// <summary>
    /// A second checkout with an orderId already recorded (another eventId, not a test): a page refresh or a
    /// second source. It is counted once; the finding says where the repeats come from.
    /// </summary>
    public static DataQualityFinding? OfRepeatedOrder(V1.CheckoutRecorded c, Guid firstEventId) =>
        c.OrderId is not null && !c.Test && firstEventId != c.EventId
            ? new(c.CompanyKey, DataQualityReasons.DuplicateOrder, c.EventId, "checkout", c.OccurredAt,
                $"Order {c.OrderId} was sent again (first as event {firstEventId}); it is counted once.")
            : null;

    /// <summary>
    /// Decreases below what the visitor's cart held: the sign of totals sent as changes. The visitor's cart
    /// events are folded by occurredAt (then as recorded), so events that arrive out of order are judged
    /// where they happened, and a late ITEM_ADDED withdraws a finding it explains.
    /// </summary>
    public static IReadOnlyList<DataQualityFinding> DecreasesBelowZero(IEnumerable<V1.CartEventRecorded> visitorCartEvents)
    {
        var units = new Dictionary<string, int>(StringComparer.Ordinal);
        var findings = new List<DataQualityFinding>();
        foreach (var e in visitorCartEvents.Select((e, i) => (e, i)).OrderBy(x => x.e.OccurredAt).ThenBy(x => x.i).Select(x => x.e))
        {
            var before = units.GetValueOrDefault(e.ProductId);
            var (next, belowZero) = CartQuantities.Apply(before, e.Type, e.Quantity);
            units[e.ProductId] = next;
            if (belowZero)
                findings.Add(new(e.CompanyKey, DataQualityReasons.DecreaseBelowZero, e.EventId, "cart", e.OccurredAt,
                    $"{e.Type} of {e.Quantity} × {e.ProductId} when the cart held {before}: is the storefront sending totals instead of changes?"));
        }
        return findings;
    }

    private static string Amount(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
