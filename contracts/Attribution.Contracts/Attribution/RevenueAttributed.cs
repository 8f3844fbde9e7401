using Attribution.Contracts.Ingestion;

namespace Attribution.Contracts.Attribution;

/// <summary>Whether revenue came from a cart event (cart GMV) or a checkout (checkout revenue).</summary>
public enum RevenueKind
{
    CART,
    CHECKOUT,
}

/// <summary>
/// A cart or checkout event was credited to an interaction (contract §5). Downstream consumers may
/// see a message twice: <see cref="AttributionId"/> is deterministic, so they drop the second.
/// </summary>
public sealed record RevenueAttributed
{
    public required Guid AttributionId { get; init; }
    public required string CompanyKey { get; init; }
    public required RevenueKind Kind { get; init; }
    public required Guid SourceEventId { get; init; }
    public string? OrderId { get; init; }

    /// <summary>Cart: value × quantity (negative for decreases and removals); checkout: the order total.</summary>
    public required decimal Amount { get; init; }

    public required string Currency { get; init; }
    public required InteractionChannel Channel { get; init; }
    public string? ConversationId { get; init; }
    public string? NudgeId { get; init; }
    public string? Variant { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required string RuleVersion { get; init; }
}
