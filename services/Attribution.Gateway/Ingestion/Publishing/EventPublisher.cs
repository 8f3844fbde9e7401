using System.Diagnostics.Metrics;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;

namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>
/// Publishes accepted events and reports success only once RabbitMQ confirmed them (contract
/// §3). When the broker cannot confirm within the bounded retry, the answer is 503 with
/// Retry-After so the client keeps the event; the same eventId later is deduplicated downstream.
/// </summary>
public sealed class EventPublisher(IBus bus, ILogger<EventPublisher> logger)
{
    public const string RetryAfterSeconds = "5";

    private static readonly Meter Meter = new("Attribution.Gateway");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("gateway.events.accepted");
    private static readonly Counter<long> Unavailable = Meter.CreateCounter<long>("gateway.events.broker_unavailable");

    /// <summary>True once the broker confirmed; false when it could not (the caller answers 503).</summary>
    public async Task<bool> TryPublishAsync<T>(T message, Guid eventId, string kind, CancellationToken requestAborted) where T : class
    {
        try
        {
            await ResiliencePipelines.Publish.ExecuteAsync(
                async ct => await bus.Publish(message, ctx =>
                {
                    ctx.MessageId = eventId;
                    // Unroutable (no engine queue bound yet) must not count as stored: the broker
                    // returns the message and this becomes a 503 instead of a 202 for a dropped event.
                    ctx.Mandatory = true;
                }, ct)
                // A confirm pending when the connection drops can wait forever in MassTransit 8.4
                // (the token is not observed once the message is written): stop waiting at the
                // pipeline's timeout and answer 503. If the broker did keep it, the client's resend
                // carries the same eventId and is stored once.
                .WaitAsync(ct), requestAborted);
            Accepted.Add(1, new KeyValuePair<string, object?>("kind", kind));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !requestAborted.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Broker did not confirm {Kind} event {EventId}", kind, eventId);
            Unavailable.Add(1, new KeyValuePair<string, object?>("kind", kind));
            return false;
        }
    }

    public static IResult BrokerUnavailable(HttpContext http) =>
        Problems.Status(StatusCodes.Status503ServiceUnavailable,
            "The event could not be stored right now; keep it and retry.", RetryAfterSeconds, http);
}

public sealed record AcceptedEvent(Guid EventId, string Status);
