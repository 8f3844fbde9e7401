using System.Diagnostics;
using System.Diagnostics.Metrics;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Messaging;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>
/// Publishes accepted events and reports success only once RabbitMQ confirmed them (contract
/// §3). When the broker cannot confirm within the bounded retry, the answer is 503 with
/// Retry-After so the client keeps the event; the same eventId later is deduplicated downstream.
/// Concurrent single events share one <see cref="EventBatchReceived"/> (<see cref="PublishCoalescer{T}"/>);
/// one left alone after the linger travels as its own message, as it would with coalescing off.
/// Events of several companies may share a message: each carries its company, the engine appends
/// each under its own tenant and already mixes companies in one transaction (its batch consumers,
/// the store's group commit), so coalescing per company would only thin the batches.
/// </summary>
public sealed class EventPublisher : IAsyncDisposable
{
    public const string RetryAfterSeconds = "5";

    private static readonly Meter Meter = new("Attribution.Gateway");
    private static readonly Counter<long> Accepted = Meter.CreateCounter<long>("gateway.events.accepted", "{event}",
        "Events answered 202: confirmed by the broker, by kind and company key");
    private static readonly Counter<long> Unavailable = Meter.CreateCounter<long>("gateway.events.broker_unavailable", "{event}",
        "Events answered 503 because the broker did not confirm them in time, by kind and company key");
    private static readonly Counter<long> Messages = Meter.CreateCounter<long>("gateway.broker.messages_published", "{message}",
        "Broker messages confirmed: one per event alone, one per batch request or coalesced group");
    private static readonly Histogram<double> ConfirmDuration = Meter.CreateHistogram<double>("gateway.publish_confirm.duration", "s",
        "Time from publishing an event to the broker's confirm (or to giving up), by kind and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    private static readonly ActivitySource Source = new("Attribution.Gateway.Publishing");

    /// <summary>One single event waiting to share a message, with the trace of the request that sent it.</summary>
    private sealed record Coalesced(BatchedEvent Event, ActivityContext Trace);

    private readonly IBus _bus;
    private readonly ResiliencePipeline _publish;
    private readonly ILogger<EventPublisher> _logger;
    private readonly PublishCoalescer<Coalesced> _coalescer;

    public EventPublisher(IBus bus, IOptions<PublishingOptions> options, ResiliencePipelineProvider<string> pipelines, ILogger<EventPublisher> logger)
    {
        _bus = bus;
        _publish = pipelines.GetPipeline(ResiliencePipelines.Publish);
        _logger = logger;
        var o = options.Value;
        _coalescer = new PublishCoalescer<Coalesced>(TimeSpan.FromMilliseconds(Math.Max(0, o.LingerMilliseconds)), Math.Max(1, o.MaxBatchEvents), PublishCoalescedAsync);
    }

    /// <summary>True once the broker confirmed the message carrying it; false when it could not (the caller answers 503).</summary>
    public async Task<bool> TryPublishAsync<T>(T message, Guid eventId, string kind, string companyKey, CancellationToken requestAborted) where T : class
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Only ingested events share messages; anything else (a replay request) goes alone.
            var published = message is CartEventReceived or CheckoutCompleted or InteractionRecorded or RefundRecorded
                ? _coalescer.PublishAsync(new Coalesced(BatchedEvents.Of(message), Activity.Current?.Context ?? default))
                : PublishOneAsync(message, eventId, CancellationToken.None);
            await published.WaitAsync(requestAborted);
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", kind), Tag("outcome", "confirmed"));
            Accepted.Add(1, Tag("kind", kind), Tag("company", companyKey));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !requestAborted.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Broker did not confirm {Kind} event {EventId}", kind, eventId);
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", kind), Tag("outcome", "unavailable"));
            Unavailable.Add(1, Tag("kind", kind), Tag("company", companyKey));
            return false;
        }
    }

    /// <summary>The accepted events of one batch request as one message, in request order: all confirmed, or none (false).</summary>
    public async Task<bool> TryPublishBatchAsync(IReadOnlyList<BatchedEvent> events, string companyKey, CancellationToken requestAborted)
    {
        if (events.Count == 0) return true;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await PublishConfirmedAsync(events, requestAborted);
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", "batch"), Tag("outcome", "confirmed"));
            foreach (var kind in events.GroupBy(BatchedEvents.KindOf))
                Accepted.Add(kind.Count(), Tag("kind", kind.Key), Tag("company", companyKey));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !requestAborted.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Broker did not confirm a batch of {Count} events", events.Count);
            ConfirmDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tag("kind", "batch"), Tag("outcome", "unavailable"));
            foreach (var kind in events.GroupBy(BatchedEvents.KindOf))
                Unavailable.Add(kind.Count(), Tag("kind", kind.Key), Tag("company", companyKey));
            return false;
        }
    }

    private async Task PublishCoalescedAsync(IReadOnlyList<Coalesced> events)
    {
        if (events.Count == 1)
        {
            // A lone event continues its request's trace.
            using var alone = Source.StartActivity("publish", ActivityKind.Internal, parentContext: events[0].Trace);
            alone?.SetTag("messaging.batch.message_count", 1);
            await PublishConfirmedAsync([events[0].Event], CancellationToken.None);
            return;
        }
        // A shared message has a trace of its own, linked to each request it carries; each request
        // gets a publish span in its own trace, whose id travels with its entry so the engine
        // continues that request's trace.
        var outer = Activity.Current;
        using var shared = Source.StartActivity("publish coalesced", ActivityKind.Internal, parentContext: default,
            links: events.Where(e => e.Trace != default).Select(e => new ActivityLink(e.Trace)));
        shared?.SetTag("messaging.batch.message_count", events.Count);
        var sharedLink = shared is null ? null : new[] { new ActivityLink(shared.Context) };
        var entries = events.Select(e => e.Trace == default ? null
            : Source.StartActivity($"publish {nameof(EventBatchReceived)}", ActivityKind.Producer, parentContext: e.Trace, links: sharedLink)).ToList();
        Activity.Current = shared ?? outer;
        try
        {
            var traceParents = EntryTraceParents.Format(entries.Select(a => a?.Id));
            await PublishConfirmedAsync(new EventBatchReceived { Events = [.. events.Select(e => e.Event)] }, null, CancellationToken.None,
                ctx => ctx.Headers.Set(EntryTraceParents.Header, traceParents));
        }
        catch (Exception ex)
        {
            foreach (var entry in entries) entry?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            foreach (var entry in entries) entry?.Dispose();
            Activity.Current = shared ?? outer;
        }
    }

    /// <summary>One event as its own message (its eventId as the message id), several as one <see cref="EventBatchReceived"/>.</summary>
    private Task PublishConfirmedAsync(IReadOnlyList<BatchedEvent> events, CancellationToken ct) =>
        events.Count == 1
            ? PublishOneAsync(BatchedEvents.MessageOf(events[0]), BatchedEvents.EventIdOf(events[0]), ct)
            : PublishConfirmedAsync(new EventBatchReceived { Events = events }, null, ct);

    private Task PublishOneAsync(object message, Guid messageId, CancellationToken ct) => PublishConfirmedAsync(message, messageId, ct);

    private async Task PublishConfirmedAsync(object message, Guid? messageId, CancellationToken ct, Action<PublishContext>? headers = null)
    {
        await _publish.ExecuteAsync(async token =>
        {
            var published = _bus.Publish(message, message.GetType(), ctx =>
            {
                if (messageId is { } id) ctx.MessageId = id;
                headers?.Invoke(ctx);
                Mandatory(ctx);
            }, token);
            // A confirm pending when the connection drops can wait forever in MassTransit 8.4
            // (the token is not observed once the message is written): stop waiting at the
            // pipeline's timeout and answer 503. If the broker did keep it, the client's resend
            // carries the same eventId and is stored once.
            await published.WaitAsync(token);
        }, ct);
        Messages.Add(1);
    }

    // Unroutable (no engine queue bound yet) must not count as stored: the broker returns the
    // message and this becomes a 503 instead of a 202 for a dropped event.
    private static void Mandatory(PublishContext ctx) => ctx.Mandatory = true;

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    public static IResult BrokerUnavailable(HttpContext http) =>
        Problems.Status(StatusCodes.Status503ServiceUnavailable,
            "The event could not be stored right now; keep it and retry.", RetryAfterSeconds, http);

    public ValueTask DisposeAsync() => _coalescer.DisposeAsync();
}

public sealed record AcceptedEvent(Guid EventId, string Status);
