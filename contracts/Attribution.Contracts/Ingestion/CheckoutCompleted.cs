namespace Attribution.Contracts.Ingestion;

/// <summary>
/// A completed order the gateway accepted (contract §3, POST /v1/events/checkout, or a Shopify
/// webhook). <see cref="OrderId"/>, when present, is the per-company dedup key.
/// </summary>
public sealed record CheckoutCompleted
{
    public required Guid EventId { get; init; }
    public required string CompanyKey { get; init; }
    public string? UserFingerprint { get; init; }
    public string? UserFaqFingerprint { get; init; }
    public string? OrderId { get; init; }

    /// <summary>Order total after discounts and taxes, in <see cref="Currency"/>.</summary>
    public required decimal Value { get; init; }

    public required string Currency { get; init; }
    public IReadOnlyList<CheckoutLineItem> LineItems { get; init; } = [];

    /// <summary>A test order: recorded, never counted.</summary>
    public bool Test { get; init; }

    /// <summary>Where the order came from: "api" (HTTP/SDK) or "shopify".</summary>
    public string Source { get; init; } = "api";

    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>One line of an order; <see cref="Value"/> is the unit price.</summary>
public sealed record CheckoutLineItem(string ProductId, string ProductName, int Quantity, decimal Value, string Currency);
