namespace Attribution.ServiceDefaults.Messaging;

/// <summary>
/// The W3C traceparent of each entry of a coalesced <see cref="Attribution.Contracts.Ingestion.EventBatchReceived"/>,
/// in entry order, as one broker header (the contract's messages stay as they are): each event
/// continues the trace of the request that sent it, not the shared message's.
/// </summary>
public static class EntryTraceParents
{
    public const string Header = "Attribution-Entry-TraceParents";

    public static string Format(IEnumerable<string?> traceParents) => string.Join(',', traceParents.Select(t => t ?? ""));

    /// <summary>One traceparent (or null) per entry; null when the header is missing or does not match the entries.</summary>
    public static IReadOnlyList<string?>? Parse(string? header, int entries)
    {
        if (string.IsNullOrEmpty(header)) return null;
        var parts = header.Split(',');
        return parts.Length == entries ? [.. parts.Select(p => p.Length == 0 ? null : p)] : null;
    }
}
