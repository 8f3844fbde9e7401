using Attribution.EventStore;
using MassTransit;

namespace Attribution.Engine.Recording;

/// <summary>Carries a message's trace context into the event's metadata, so the projector continues the same trace.</summary>
internal static class MessageTrace
{
    public static EventMetadata MetadataOf(ConsumeContext message) => new()
    {
        TraceParent = message.Headers.Get<string>("traceparent")
            ?? message.Headers.Get<string>("Diagnostic-Id")
            ?? System.Diagnostics.Activity.Current?.Id,
        CorrelationId = message.CorrelationId?.ToString(),
        CausationId = message.MessageId?.ToString(),
    };
}
