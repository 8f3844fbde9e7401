namespace Attribution.ServiceDefaults.Visitors;

/// <summary>
/// How a visitor is named across the system (streams, read models, reads). The chat fingerprint
/// identifies the visitor when present; otherwise the FAQ fingerprint does, in its own namespace
/// so the two can never collide.
/// </summary>
public static class VisitorKey
{
    public static string Of(string? userFingerprint, string? userFaqFingerprint) =>
        !string.IsNullOrEmpty(userFingerprint) ? userFingerprint
        : !string.IsNullOrEmpty(userFaqFingerprint) ? FaqPrefix + userFaqFingerprint
        : throw new ArgumentException("A visitor needs at least one fingerprint.");

    /// <summary>The keys a fingerprint of unknown kind may stand for: as chat, then as FAQ.</summary>
    public static IReadOnlyList<string> Candidates(string fingerprint) => [fingerprint, FaqPrefix + fingerprint];

    public static string StreamId(string companyKey, string visitorKey) => $"visitor:{companyKey}:{visitorKey}";

    /// <summary>Read-model documents are per company and visitor.</summary>
    public static string DocumentId(string companyKey, string visitorKey) => $"{companyKey}:{visitorKey}";

    private const string FaqPrefix = "faq:";
}
