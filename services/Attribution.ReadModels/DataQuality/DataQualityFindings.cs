using System.Globalization;
using Attribution.Contracts.Ingestion;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Visitors;

namespace Attribution.ReadModels.DataQuality;

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
    /// A verified copy of an order (Shopify, or sent with the apiSecret) replaces its browser copies
    /// (contract §3): each browser copy whose value or currency differs from the verified copy that
    /// counts is named, whichever arrived first, so a storefront that reports wrong totals (or someone
    /// posting fake orders with the public key) shows up.
    /// </summary>
    public static IEnumerable<DataQualityFinding> OfReplacedBrowserCopies(IEnumerable<V1.CheckoutRecorded> sameOrderInRecordedOrder)
    {
        var copies = sameOrderInRecordedOrder.Where(c => c is { OrderId: not null, Test: false }).ToList();
        var verified = copies.FirstOrDefault(c => CheckoutSources.IsVerified(c.Source));
        if (verified is null) return [];
        return copies
            .Where(b => !CheckoutSources.IsVerified(b.Source) && (b.Value != verified.Value || b.Currency != verified.Currency))
            .Select(b => new DataQualityFinding(b.CompanyKey, DataQualityReasons.BrowserOrderReplaced, b.EventId, "checkout", b.OccurredAt,
                $"The browser sent order {b.OrderId} as {Amount(b.Value)} {b.Currency}; its verified copy (event {verified.EventId}) " +
                $"says {Amount(verified.Value)} {verified.Currency} and is the one counted."));
    }

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
