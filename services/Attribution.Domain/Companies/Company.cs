namespace Attribution.Domain.Companies;

/// <summary>How a storefront's cart <c>quantity</c> is meant (contract §3).</summary>
public enum QuantityMode
{
    /// <summary><c>quantity</c> is the change in units (the default, the blog's rule).</summary>
    CHANGE,

    /// <summary><c>quantity</c> is the line's new total; the engine derives the change.</summary>
    TOTAL,
}

/// <summary>A tenant: one store, with its settings. The API secret is held only as a hash.</summary>
public sealed record Company
{
    public required string CompanyKey { get; init; }
    public required string Name { get; init; }
    public required string ReportingCurrency { get; init; }
    public string TimeZone { get; init; } = "UTC";
    public int AttributionWindowHours { get; init; } = 24;
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
    public QuantityMode QuantityMode { get; init; } = QuantityMode.CHANGE;
    public string? ShopifyWebhookSecret { get; init; }
}
