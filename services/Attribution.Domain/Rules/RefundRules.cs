namespace Attribution.Domain.Rules;

/// <summary>
/// Contract §3 refunds, as a pure function: each <c>refundId</c> applies once (the first recorded
/// copy), in recorded order, against the value of the order's counted checkout, and never takes
/// the order below zero. A refund whose order is not recorded yet, or in another currency,
/// applies nothing until that changes (the reactor then revises it).
/// </summary>
public static class RefundRules
{
    public sealed record Refund(Guid EventId, long Sequence, string RefundId, decimal Amount, string Currency);

    public sealed record CountedOrder(decimal Value, string Currency);

    public sealed record Application(Guid EventId, string RefundId, decimal Requested, decimal Applied, IReadOnlyList<string> Reasons);

    public static IReadOnlyList<Application> Apply(CountedOrder? order, IEnumerable<Refund> refunds)
    {
        var applications = new List<Application>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var remaining = order?.Value ?? 0m;

        foreach (var r in refunds.OrderBy(r => r.Sequence))
        {
            if (!seen.Add(r.RefundId))
                applications.Add(new(r.EventId, r.RefundId, r.Amount, 0m, [$"Refund {r.RefundId} is already applied; this copy is recorded, not counted."]));
            else if (order is null)
                applications.Add(new(r.EventId, r.RefundId, r.Amount, 0m, ["The order is not recorded (or not counted) yet: nothing to subtract from."]));
            else if (r.Currency != order.Currency)
                applications.Add(new(r.EventId, r.RefundId, r.Amount, 0m, [$"Refund in {r.Currency}, order in {order.Currency}: not applied."]));
            else
            {
                var applied = Math.Min(r.Amount, remaining);
                remaining -= applied;
                applications.Add(new(r.EventId, r.RefundId, r.Amount, applied, applied < r.Amount
                    ? [$"Capped at what is left of the order ({applied}): an order never goes below zero."]
                    : []));
            }
        }
        return applications;
    }
}
