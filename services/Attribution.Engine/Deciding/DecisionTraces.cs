using Attribution.EventStore;

namespace Attribution.Engine.Deciding;

/// <summary>
/// Which request's trace a decision continues, so that every request's trace runs on through its
/// decision, the messages published from it and the read models, not only the trace of the batch's
/// first event: the trace of the decided event itself when it is new in this batch, else that of the
/// visitor's newest event in the batch (what made the visitor be decided again). Null leaves it to
/// the append, which takes the current span's (a replay's).
/// </summary>
internal sealed class DecisionTraces
{
    public static readonly DecisionTraces None = new([]);

    private readonly Dictionary<long, string> _byEvent = [];
    private readonly Dictionary<string, string> _byStream = new(StringComparer.Ordinal);

    public DecisionTraces(IEnumerable<StoredEvent> batch)
    {
        foreach (var e in batch.OrderBy(e => e.Sequence))
        {
            if (e.Metadata.TraceParent is not { } trace) continue;
            _byEvent[e.Sequence] = trace;
            _byStream[e.StreamId] = trace; // the newest wins
        }
    }

    /// <param name="sequence">The decided event's place in the store.</param>
    /// <param name="stream">The stream whose journey decided it, if any.</param>
    public EventMetadata? Of(long sequence, string? stream) =>
        (_byEvent.GetValueOrDefault(sequence) ?? (stream is null ? null : _byStream.GetValueOrDefault(stream))) is { } trace
            ? new EventMetadata { TraceParent = trace }
            : null;
}
