using System.Text.Json;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Ingestion.Interactions;

/// <summary>POST /v1/events/interactions body → <see cref="InteractionRecorded"/>, or every field that is wrong (contract §3).</summary>
public static class InteractionValidator
{
    public const int MaxTextLength = 8_192;

    /// <param name="kindField">Where the interaction's kind is: "kind" on its own endpoint; in a batch,
    /// whose items use "kind" for cart|checkout|interaction, "interactionKind".</param>
    public static (InteractionRecorded? Message, FieldErrors Errors) Validate(
        JsonElement body, string companyKey, DateTimeOffset now, string prefix = "", string kindField = "kind")
    {
        if (!JsonFieldReader.TryOpen(body, prefix, out var f)) return (null, f.Errors);
        var errors = f.Errors;

        var eventId = f.EventId("eventId") ?? Guid.CreateVersion7(now);
        var (userFingerprint, faqFingerprint) = f.Fingerprints(required: false);
        var channel = f.Enum<InteractionChannel>("channel", required: true);
        var kind = f.Enum<InteractionKind>(kindField, required: true);

        // CHAT and NUDGE are keyed by the chat fingerprint, FAQ by the FAQ fingerprint.
        var keyField = channel == InteractionChannel.FAQ ? "userFaqFingerprint" : "userFingerprint";
        if (channel is not null && !f.Has(keyField))
            errors.Add(f.Name(keyField), $"{keyField} is required for {channel} interactions.", RejectionReasons.MissingField);

        var needsConversation = kind is InteractionKind.SHOPPER_MESSAGE or InteractionKind.ASSISTANT_ANSWER;
        var conversationId = f.Text("conversationId", 1, IngestionLimits.MaxLength("conversationId"), required: needsConversation);
        var text = f.Text("text", 1, MaxTextLength, required: kind == InteractionKind.SHOPPER_MESSAGE, allowBlank: true,
            allowTabAndNewline: true);
        var helpful = f.Boolean("helpful", required: kind == InteractionKind.ASSISTANT_ANSWER);
        var nudgeId = f.Text("nudgeId", 1, IngestionLimits.MaxLength("nudgeId"), required: kind == InteractionKind.NUDGE_CLICKED);
        var variant = f.Text("variant", 1, 64, required: false);
        var occurredAt = f.OccurredAt("occurredAt", now);

        if (!errors.IsEmpty) return (null, errors);
        return (new InteractionRecorded
        {
            EventId = eventId,
            CompanyKey = companyKey,
            UserFingerprint = userFingerprint,
            UserFaqFingerprint = faqFingerprint,
            Channel = channel!.Value,
            Kind = kind!.Value,
            ConversationId = conversationId,
            Text = text,
            Helpful = helpful,
            NudgeId = nudgeId,
            Variant = variant,
            OccurredAt = occurredAt,
            ReceivedAt = now,
        }, errors);
    }
}
