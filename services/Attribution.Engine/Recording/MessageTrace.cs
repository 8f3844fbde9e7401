using System.Diagnostics;
using Attribution.EventStore;
using MassTransit;
using MassTransit.Logging;

namespace Attribution.Engine.Recording;

/// <summary>Carries a message's trace context into the event's metadata, so the projector continues the same trace.</summary>
internal static class MessageTrace
{
    /// <summary>
    /// The W3C id of the span that published the message. MassTransit 8 sends it as <c>MT-Activity-Id</c>;
    /// <c>traceparent</c> and <c>Diagnostic-Id</c> are what other publishers use.
    /// </summary>
    public static string? TraceParentOf(ConsumeContext message) =>
        message.Headers.Get<string>(DiagnosticHeaders.ActivityId)
        ?? message.Headers.Get<string>("traceparent")
        ?? message.Headers.Get<string>("Diagnostic-Id");

    /// <summary>The publishing span's context, or default when the message carries none.</summary>
    public static ActivityContext ContextOf(ConsumeContext message) =>
        ActivityContext.TryParse(TraceParentOf(message), null, out var context) ? context : default;

    // Each event keeps its own request's trace, else its message's: in a batch, the current activity belongs to one message only.
    public static EventMetadata MetadataOf(ConsumeContext message, string? ownTraceParent = null) => new()
    {
        TraceParent = ownTraceParent ?? TraceParentOf(message) ?? Activity.Current?.Id,
        CorrelationId = message.CorrelationId?.ToString(),
        CausationId = message.MessageId?.ToString(),
    };
}
