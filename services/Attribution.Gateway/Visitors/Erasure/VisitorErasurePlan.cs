using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Attribution.EventStore;
using Attribution.Domain.Interactions;
using Attribution.Domain.Visitors;

namespace Attribution.Gateway.Visitors.Erasure;

/// <summary>
/// What erasing a visitor rewrites (pure). Each of the visitor's fingerprints is replaced by a
/// random pseudonym that nothing records, so the data can no longer be tied to the browser; the
/// same pseudonym everywhere keeps the joins (chat ↔ cart ↔ order), so decisions, aggregates and a
/// later replay stay exactly as they were. Message text is cleared, keeping only whether a shopper
/// message was real (the one thing the rules read from it).
/// </summary>
public static class VisitorErasurePlan
{
    /// <summary>What a real shopper message's text becomes: still real to the rules, nothing personal.</summary>
    public const string ErasedText = "[erased]";

    /// <summary>Masking rules per stored event type (VisitorEvents.V1.VisitorInteractionRecorded carries the message text).</summary>
    public static readonly IReadOnlyDictionary<string, Func<JsonObject, JsonObject>> Rules = new Dictionary<string, Func<JsonObject, JsonObject>>
    {
        ["interaction_recorded.v1"] = MaskInteraction,
    };

    /// <summary>
    /// Clears the text but keeps the one thing the rules read from it (contract §4: is a shopper
    /// message real?), so decisions and replays do not change. Idempotent.
    /// </summary>
    public static JsonObject MaskInteraction(JsonObject data)
    {
        if (data["text"] is not JsonValue value || !value.TryGetValue<string>(out var text)) return data;
        var real = data["kind"]?.GetValue<string>() == "SHOPPER_MESSAGE" && ShopperMessages.IsReal(text);
        data["text"] = real ? ErasedText : null;
        return data;
    }

    /// <summary>
    /// Where a fingerprint (or a visitor key made of one) is stored: the events' and decisions'
    /// fingerprints, and the visitor key of read-model documents. Only these values are rewritten.
    /// </summary>
    public static readonly IReadOnlyList<string> FingerprintFields = ["userFingerprint", "userFaqFingerprint", "visitorKey"];

    /// <summary>A new pseudonym in the fingerprint alphabet, unrelated to the fingerprint it replaces.</summary>
    public static string NewPseudonym() => "erased-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static EventDataMasking Of(string companyKey, IReadOnlyDictionary<string, string> pseudonyms)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var streams = new Dictionary<string, string>(StringComparer.Ordinal);
        var documents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (fingerprint, pseudonym) in pseudonyms)
        {
            // A fingerprint names a visitor as a chat key or, alone, as an FAQ key.
            foreach (var (from, to) in VisitorKey.Candidates(fingerprint).Zip(VisitorKey.Candidates(pseudonym)))
            {
                values[from] = to;
                streams[VisitorKey.StreamId(companyKey, from)] = VisitorKey.StreamId(companyKey, to);
                documents[VisitorKey.DocumentId(companyKey, from)] = VisitorKey.DocumentId(companyKey, to);
            }
        }
        return new EventDataMasking(companyKey, values, FingerprintFields, streams, documents, Rules);
    }
}
