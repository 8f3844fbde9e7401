using Attribution.Contracts.Ingestion;

namespace Attribution.Contracts.Attribution;

/// <summary>
/// An earlier decision changed: a late interaction, a late event, or a replay under new settings
/// (contract §5). Carries the decision before and after; <see cref="AttributionId"/> is deterministic.
/// </summary>
public sealed record AttributionRevised
{
    public required Guid AttributionId { get; init; }
    public required string CompanyKey { get; init; }
    public required RevenueKind Kind { get; init; }
    public required Guid SourceEventId { get; init; }
    public string? OrderId { get; init; }
    public required decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required int Revision { get; init; }
    public required CreditSnapshot Before { get; init; }
    public required CreditSnapshot After { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>One side of a revision: attributed or not, to what, under which rules.</summary>
public sealed record CreditSnapshot(
    bool Attributed,
    InteractionChannel? Channel,
    string? ConversationId,
    string? NudgeId,
    string? Variant,
    string RuleVersion);
