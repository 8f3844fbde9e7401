namespace Attribution.Contracts.Ingestion;

/// <summary>
/// Accepted events that travel as one broker message (contract §5): the events of one batch
/// request, or single-event requests the gateway coalesced, in the order they were accepted.
/// Consumers treat it as its events one by one; each event keeps its own company and eventId.
/// </summary>
public sealed record EventBatchReceived
{
    public required IReadOnlyList<BatchedEvent> Events { get; init; }
}

/// <summary>
/// One event of an <see cref="EventBatchReceived"/>: exactly one property is set, so each entry
/// keeps its concrete type through any JSON serializer without type discriminators.
/// </summary>
public sealed record BatchedEvent
{
    public CartEventReceived? Cart { get; init; }
    public CheckoutCompleted? Checkout { get; init; }
    public InteractionRecorded? Interaction { get; init; }
    public RefundRecorded? Refund { get; init; }
}
