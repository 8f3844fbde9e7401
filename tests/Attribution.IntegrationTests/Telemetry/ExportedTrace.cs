using System.Diagnostics;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// One request's trace among the exported spans: its own spans, the batch spans that link it (a
/// batch continues one message's trace and links the others'), and every span under those.
/// </summary>
internal sealed class ExportedTrace
{
    public ExportedTrace(IEnumerable<Activity?> exported, ActivityTraceId traceId)
    {
        TraceId = traceId;
        var spans = exported.OfType<Activity>().ToList();
        Own = spans.Where(s => s.TraceId == traceId).ToList();

        var reached = spans.Where(s => s.TraceId == traceId || s.Links.Any(l => l.Context.TraceId == traceId)).ToList();
        var ids = reached.Select(s => (s.TraceId, s.SpanId)).ToHashSet();
        for (var grown = true; grown;)
        {
            var children = spans.Where(s => !ids.Contains((s.TraceId, s.SpanId)) && ids.Contains((s.TraceId, s.ParentSpanId))).ToList();
            reached.AddRange(children);
            foreach (var child in children) ids.Add((child.TraceId, child.SpanId));
            grown = children.Count > 0;
        }
        Reached = reached;
    }

    public ActivityTraceId TraceId { get; }

    /// <summary>The spans whose trace id is this trace's.</summary>
    public IReadOnlyList<Activity> Own { get; }

    /// <summary>The own spans, the spans linking this trace, and their descendants.</summary>
    public IReadOnlyList<Activity> Reached { get; }

    public bool Reaches(string operationPrefix) =>
        Reached.Any(s => s.OperationName.StartsWith(operationPrefix, StringComparison.Ordinal));

    /// <summary>A MassTransit publish of <paramref name="messageType"/> in this very trace (not merely linked).</summary>
    public bool OwnsPublishOf(string messageType) =>
        Own.Any(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer
            && (s.DisplayName.Contains(messageType, StringComparison.Ordinal)
                || s.TagObjects.Any(t => t.Value?.ToString()?.Contains(messageType, StringComparison.Ordinal) == true)));

    /// <summary>The gateway's publish of this request's entry in a shared <c>EventBatchReceived</c>, in this very trace.</summary>
    public bool OwnsEntryPublish() =>
        Own.Any(s => s.Source.Name == "Attribution.Gateway.Publishing" && s.Kind == ActivityKind.Producer && s.OperationName == "publish EventBatchReceived");

    public override string ToString() =>
        $"trace {TraceId}:\n" + string.Join("\n", Reached.OrderBy(s => s.StartTimeUtc).Select(s =>
            $"  {(s.TraceId == TraceId ? "own " : "link")} {s.Source.Name}:{s.Kind}:{s.DisplayName}"));
}
