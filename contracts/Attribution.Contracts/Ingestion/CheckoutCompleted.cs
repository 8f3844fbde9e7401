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

    /// <summary>Where the order came from (<see cref="CheckoutSources"/>): a verified copy replaces a browser copy of the same order.</summary>
    public string Source { get; init; } = CheckoutSources.Browser;

    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>Where a checkout came from, ranked (contract §3): a verified copy replaces a browser copy of the same order.</summary>
public static class CheckoutSources
{
    /// <summary>Sent with the public company key (the browser SDK): anyone can send it.</summary>
    public const string Browser = "browser";

    /// <summary>Sent with the company's apiSecret: verified.</summary>
    public const string Server = "server";

    /// <summary>A Shopify webhook whose HMAC matched: verified.</summary>
    public const string Shopify = "shopify";

    /// <summary>True for a verified source. Anything else, including "api" (stored before sources were ranked), is a browser copy.</summary>
    public static bool IsVerified(string? source) => source is Server or Shopify;
}

/// <summary>One line of an order; <see cref="Value"/> is the unit price.</summary>
public sealed record CheckoutLineItem(string ProductId, string ProductName, int Quantity, decimal Value, string Currency);
