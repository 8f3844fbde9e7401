namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>Bounds from contract §3 shared by cart events, checkouts and refunds.</summary>
public static class IngestionLimits
{
    /// <summary>Largest amount accepted (value, order total, refund).</summary>
    public const decimal MaxValue = 1_000_000_000m;

    public const int MaxQuantity = 1_000_000;
}
