namespace Attribution.Contracts.Ingestion;

/// <summary>Something a shopper did with the assistant, reported by its backend (contract §3).</summary>
public sealed record InteractionRecorded
{
    public required Guid EventId { get; init; }
    public required string CompanyKey { get; init; }
    public string? UserFingerprint { get; init; }
    public string? UserFaqFingerprint { get; init; }
    public required InteractionChannel Channel { get; init; }
    public required InteractionKind Kind { get; init; }
    public string? ConversationId { get; init; }

    /// <summary>The shopper's message (personal data: erasable).</summary>
    public string? Text { get; init; }

    public bool? Helpful { get; init; }
    public string? NudgeId { get; init; }

    /// <summary>The A/B arm the shopper was served.</summary>
    public string? Variant { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>CHAT and NUDGE are keyed by userFingerprint, FAQ by userFaqFingerprint.</summary>
public enum InteractionChannel
{
    CHAT,
    FAQ,
    NUDGE,
}

public enum InteractionKind
{
    WIDGET_LOADED,
    SHOPPER_MESSAGE,
    ASSISTANT_ANSWER,
    NUDGE_SHOWN,
    NUDGE_CLICKED,
}
