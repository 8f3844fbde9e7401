namespace Attribution.Contracts.Ingestion;

/// <summary>
/// A storefront cart event the gateway validated and accepted (contract §3, POST /v1/events/cart).
/// Published only after validation; <see cref="EventId"/> is the idempotency key end to end.
/// </summary>
public sealed record CartEventReceived
{
    public required Guid EventId { get; init; }
    public required string CompanyKey { get; init; }
    public string? UserFingerprint { get; init; }
    public string? UserFaqFingerprint { get; init; }
    public required CartEventType Type { get; init; }
    public required string ProductId { get; init; }
    public required string ProductName { get; init; }

    /// <summary>Unit price after discounts, in <see cref="Currency"/>. Never a binary float.</summary>
    public required decimal Value { get; init; }

    /// <summary>Active ISO 4217 code, upper case.</summary>
    public required string Currency { get; init; }

    /// <summary>As sent: the change in units (or the new total for companies in TOTAL quantity mode).</summary>
    public required int Quantity { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}
