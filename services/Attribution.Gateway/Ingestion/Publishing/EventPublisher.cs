using System.Diagnostics;
using System.Diagnostics.Metrics;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;
using Polly;
using Polly.Registry;

namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>
/// Publishes accepted events and reports success only once RabbitMQ confirmed them (contract
/// §3). When the broker cannot confirm within the bounded retry, the answer is 503 with
/// Retry-After so the client keeps the event; the same eventId later is deduplicated downstream.
/// </summary>
public sealed class EventPublisher(IBus bus, ResiliencePipelineProvider<string> pipelines, ILogger<EventPublisher> logger)
{
    private readonly ResiliencePipeline _publish = pipelines.GetPipeline(ResiliencePipelines.Publish);

    public const string RetryAfterSeconds = "5";

    private static readonly Meter Meter = new("Attribution.Gateway");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("gateway.events.accepted", "{event}",
        "Events answered 202: confirmed by the broker, by kind and company key");
    private static readonly Counter<long> Unavailable = Meter.CreateCounter<long>("gateway.events.broker_unavailable", "{event}",
        "Events answered 503 because the broker did not confirm them in time, by kind and company key");
    private static readonly Histogram<double> ConfirmDuration = Meter.CreateHistogram<double>("gateway.publish_confirm.duration", "s",
        "Time from publishing an event to the broker's confirm (or to giving up), by kind and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>True once the broker confirmed; false when it could not (the caller answers 503).</summary>
    public async Task<bool> TryPublishAsync<T>(T message, Guid eventId, string kind, string companyKey, CancellationToken requestAborted) where T : class
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _publish.ExecuteAsync(
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
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", kind), Tag("outcome", "confirmed"));
            Accepted.Add(1, Tag("kind", kind), Tag("company", companyKey));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !requestAborted.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Broker did not confirm {Kind} event {EventId}", kind, eventId);
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", kind), Tag("outcome", "unavailable"));
            Unavailable.Add(1, Tag("kind", kind), Tag("company", companyKey));
            return false;
        }
    }

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    public static IResult BrokerUnavailable(HttpContext http) =>
        Problems.Status(StatusCodes.Status503ServiceUnavailable,
            "The event could not be stored right now; keep it and retry.", RetryAfterSeconds, http);
}

public sealed record AcceptedEvent(Guid EventId, string Status);
