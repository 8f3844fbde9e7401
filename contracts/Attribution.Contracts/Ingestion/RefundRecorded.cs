namespace Attribution.Contracts.Ingestion;

/// <summary>A refund against an earlier order (contract §3); <see cref="RefundId"/> is its dedup key.</summary>
public sealed record RefundRecorded
{
    public required Guid EventId { get; init; }
    public required string CompanyKey { get; init; }
    public required string RefundId { get; init; }
    public required string OrderId { get; init; }

    /// <summary>Positive amount, in <see cref="Currency"/>.</summary>
    public required decimal Amount { get; init; }

    public required string Currency { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}
