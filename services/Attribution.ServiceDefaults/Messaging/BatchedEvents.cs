using Attribution.Contracts.Ingestion;

namespace Attribution.ServiceDefaults.Messaging;

/// <summary>Wraps an accepted event into an <see cref="EventBatchReceived"/> entry and back (the contract's records hold state only).</summary>
public static class BatchedEvents
{
    public static BatchedEvent Of(object message) => message switch
    {
        CartEventReceived m => new BatchedEvent { Cart = m },
        CheckoutCompleted m => new BatchedEvent { Checkout = m },
        InteractionRecorded m => new BatchedEvent { Interaction = m },
        RefundRecorded m => new BatchedEvent { Refund = m },
        _ => throw new NotSupportedException($"{message.GetType().Name} does not travel in an EventBatchReceived."),
    };

    /// <summary>The one message the entry holds.</summary>
    public static object MessageOf(BatchedEvent e) =>
        (object?)e.Cart ?? (object?)e.Checkout ?? (object?)e.Interaction ?? (object?)e.Refund
        ?? throw new InvalidOperationException("An EventBatchReceived entry holds no event.");

    public static Guid EventIdOf(BatchedEvent e) => e.Cart?.EventId ?? e.Checkout?.EventId ?? e.Interaction?.EventId ?? e.Refund?.EventId ?? Guid.Empty;

    /// <summary>The ingestion kind, as metrics and logs name it.</summary>
    public static string KindOf(BatchedEvent e) =>
        e.Cart is not null ? "cart" : e.Checkout is not null ? "checkout" : e.Interaction is not null ? "interaction" : "refund";
}
