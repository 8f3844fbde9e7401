namespace Attribution.Domain.Visitors;

/// <summary>
/// How a visitor is named across the system (streams, read models, reads). The chat fingerprint
/// identifies the visitor when present; otherwise the FAQ fingerprint does, in its own namespace.
/// An order with no fingerprint at all is an anonymous visitor of its own. Namespaces use '#',
/// which the fingerprint alphabet [A-Za-z0-9._:-] cannot contain, so no two keys ever collide.
/// </summary>
public static class VisitorKey
{
    public static string Of(string? userFingerprint, string? userFaqFingerprint) =>
        !string.IsNullOrEmpty(userFingerprint) ? userFingerprint
        : !string.IsNullOrEmpty(userFaqFingerprint) ? FaqPrefix + userFaqFingerprint
        : throw new ArgumentException("A visitor needs at least one fingerprint.");

    /// <summary>The visitor of an order that carried no fingerprint: nobody to join it to.</summary>
    public static string Anonymous(Guid eventId) => AnonymousPrefix + eventId.ToString("N");

    /// <summary>The keys a fingerprint of unknown kind may stand for: as chat, then as FAQ.</summary>
    public static IReadOnlyList<string> Candidates(string fingerprint) => [fingerprint, FaqPrefix + fingerprint];

    public static string StreamId(string companyKey, string visitorKey) => $"visitor:{companyKey}:{visitorKey}";

    /// <summary>Read-model documents are per company and visitor.</summary>
    public static string DocumentId(string companyKey, string visitorKey) => $"{companyKey}:{visitorKey}";

    private const string FaqPrefix = "faq#";
    private const string AnonymousPrefix = "anonymous#";
}
