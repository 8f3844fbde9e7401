using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using Attribution.Domain.Companies;
using Attribution.Domain.Rules;
using static Attribution.EventStore.StoredEvents.VisitorEvents;

namespace Attribution.Engine.Deciding;

/// <summary>
/// Pure helpers that turn a visitor's stored events into what the rules need: the interactions
/// (from the chat stream and the FAQ streams its events point to) and the attributable events
/// with their amounts (cart GMV = value × quantity; in TOTAL mode the change is derived from
/// the visitor's cart, in occurredAt order).
/// </summary>
public static class VisitorJourney
{
    public static InteractionFact Fact(V1.VisitorInteractionRecorded i) =>
        new(i.EventId, i.Channel, i.Kind, i.ConversationId, i.Text, i.Helpful, i.NudgeId, i.Variant, i.OccurredAt);

    public static IReadOnlyList<AttributableEvent> Attributable(IEnumerable<(long Sequence, object Data)> events, QuantityMode mode)
    {
        var list = events.ToList();
        var result = new List<AttributableEvent>();
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);

        foreach (var (sequence, data) in list.OrderBy(e => OccurredAt(e.Data)).ThenBy(e => e.Sequence))
        {
            switch (data)
            {
                case V1.CartEventRecorded c:
                    var change = mode == QuantityMode.TOTAL ? TotalToChange(c, totals) : SignedChange(c);
                    result.Add(new AttributableEvent(c.EventId, RevenueKind.CART, c.OccurredAt, sequence, c.Value * change, c.Currency,
                        null, false, c.UserFingerprint, c.UserFaqFingerprint));
                    break;
                case V1.CheckoutRecorded o:
                    result.Add(new AttributableEvent(o.EventId, RevenueKind.CHECKOUT, o.OccurredAt, sequence, o.Value, o.Currency,
                        o.OrderId, o.Test, o.UserFingerprint, o.UserFaqFingerprint));
                    break;
            }
        }
        return result;
    }

    private static DateTimeOffset OccurredAt(object data) => data switch
    {
        V1.CartEventRecorded c => c.OccurredAt,
        V1.CheckoutRecorded o => o.OccurredAt,
        V1.VisitorInteractionRecorded i => i.OccurredAt,
        _ => DateTimeOffset.MaxValue,
    };

    private static int SignedChange(V1.CartEventRecorded c) =>
        c.Type is CartEventType.QUANTITY_DECREASED or CartEventType.ITEM_REMOVED ? -c.Quantity : c.Quantity;

    // TOTAL mode: quantity is the line's new total; removal means 0.
    private static int TotalToChange(V1.CartEventRecorded c, Dictionary<string, int> totals)
    {
        var previous = totals.GetValueOrDefault(c.ProductId);
        var next = c.Type == CartEventType.ITEM_REMOVED ? 0 : c.Quantity;
        totals[c.ProductId] = next;
        return next - previous;
    }
}
