using Attribution.Contracts.Attribution;

namespace Attribution.Domain.Rules;

/// <summary>A cart or checkout event to decide, with its signed amount.</summary>
public sealed record AttributableEvent(
    Guid EventId,
    RevenueKind Kind,
    DateTimeOffset OccurredAt,
    long Sequence,
    decimal Amount,
    string Currency,
    string? OrderId,
    bool Test,
    string? UserFingerprint,
    string? UserFaqFingerprint);
