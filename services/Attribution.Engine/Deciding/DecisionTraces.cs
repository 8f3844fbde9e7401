using Attribution.EventStore;

namespace Attribution.Engine.Deciding;

/// <summary>
/// Which request's trace a decision continues, so that every request's trace runs on through its
/// decision, the messages published from it and the read models, not only the trace of the batch's
/// first event. A first decision continues the decided event's own trace: the event is in this
/// batch, or lies past it (the reactor reads a visitor's whole stream, so an event committed after
/// the page was cut is decided with the page before it). A revision continues the trace of the
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
    /// <param name="first">Whether this is the event's first decision.</param>
    /// <param name="own">The decided event's own stored traceparent, as read with its stream.</param>
    public EventMetadata? Of(long sequence, string? stream, bool first = false, string? own = null) =>
        (_byEvent.GetValueOrDefault(sequence)
            ?? (first ? own : null)
            ?? (stream is null ? null : _byStream.GetValueOrDefault(stream))) is { } trace
            ? new EventMetadata { TraceParent = trace }
            : null;
}
