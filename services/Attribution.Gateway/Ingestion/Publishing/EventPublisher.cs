using System.Diagnostics.Metrics;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;

namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>
/// Publishes an accepted event and says 202 only once RabbitMQ confirmed it (contract §3).
/// When the broker cannot confirm within the bounded retry, the answer is 503 with Retry-After
/// so the client keeps the event; the same eventId later is deduplicated downstream.
/// </summary>
public sealed class EventPublisher(IBus bus, ILogger<EventPublisher> logger)
{
    public const string RetryAfterSeconds = "5";

    private static readonly Meter Meter = new("Attribution.Gateway");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("gateway.events.accepted");
    private static readonly Counter<long> Unavailable = Meter.CreateCounter<long>("gateway.events.broker_unavailable");

    public async Task<IResult> PublishAsync<T>(HttpContext http, T message, Guid eventId, string kind) where T : class
    {
        try
        {
            await ResiliencePipelines.Publish.ExecuteAsync(
                async ct => await bus.Publish(message, ctx => ctx.MessageId = eventId, ct),
                http.RequestAborted);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Broker did not confirm {Kind} event {EventId}; answering 503", kind, eventId);
            Unavailable.Add(1, new KeyValuePair<string, object?>("kind", kind));
            return Problems.Status(StatusCodes.Status503ServiceUnavailable,
                "The event could not be stored right now; keep it and retry.", RetryAfterSeconds, http);
        }

        Accepted.Add(1, new KeyValuePair<string, object?>("kind", kind));
        return TypedResults.Accepted((string?)null, new AcceptedEvent(eventId, "accepted"));
    }
}

public sealed record AcceptedEvent(Guid EventId, string Status);
