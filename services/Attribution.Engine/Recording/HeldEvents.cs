using Attribution.Contracts.Ingestion;
using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Attribution.Engine.Recording;

/// <summary>
/// Accepted events whose company database cannot be reached wait in a queue of their own, so that
/// one database down never holds up the companies in the others: the recording queues store what
/// they can, send the rest here as one <see cref="EventBatchReceived"/> (confirmed by the broker
/// before the batch they came in is acknowledged), and this queue's consumer retries them every few
/// seconds, in the order they came, until their database is back (<see cref="HeldEventsOptions"/>). The
/// queue is bound to no message type's exchange, only to its own: only the engine sends to it.
/// </summary>
public static class HeldEvents
{
    public const string Queue = "attribution-record-held";

    public static async Task HoldAsync(IReadOnlyList<CarriedEvent> events, CancellationToken ct)
    {
        if (events.Count == 0) return;
        // Through the exchange the queue's endpoint binds it to (every engine declares both at start-up):
        // a send to "queue:" would declare the queue again, as a classic queue, which a quorum one refuses.
        var endpoint = await events[0].Carrier.GetSendEndpoint(new Uri("exchange:" + Queue));
        var traces = EntryTraceParents.Format(events.Select(e => e.TraceParent ?? MessageTrace.MetadataOf(e.Carrier).TraceParent));
        await endpoint.Send(new EventBatchReceived { Events = [.. events.Select(e => BatchedEvents.Of(e.Message))] },
            ctx => ctx.Headers.Set(EntryTraceParents.Header, traces), ct);
    }
}

/// <summary>How held events are tried again (<c>HeldEvents__RetryEverySeconds</c>, <c>HeldEvents__TriesBeforeRequeue</c>).</summary>
public sealed class HeldEventsOptions
{
    public const string Section = "HeldEvents";

    /// <summary>How often the held events are tried again while their database is down.</summary>
    public double RetryEverySeconds { get; set; } = 5;

    /// <summary>
    /// After this many tries again (5 minutes by default) a batch still waiting goes to the back of the queue
    /// and is acknowledged: RabbitMQ closes a channel that keeps a delivery unacknowledged for 30 minutes.
    /// </summary>
    public int TriesBeforeRequeue { get; set; } = 60;
}

/// <summary>Records held events once their database is back; while it is down, the batch is tried again (<see cref="HeldEventsConsumerDefinition"/>).</summary>
public sealed class HeldEventsConsumer(EventRecorder recorder, IOptions<HeldEventsOptions> options) : IConsumer<Batch<EventBatchReceived>>
{
    public Task Consume(ConsumeContext<Batch<EventBatchReceived>> context) =>
        recorder.RecordAsync(HeldEvents.Queue, [.. context.Message.SelectMany(EventBatchRecordingConsumer.EventsOf)], context.CancellationToken,
            holdUnreachable: context.GetRetryAttempt() >= options.Value.TriesBeforeRequeue);
}

/// <summary>One batch at a time, in queue order; a batch whose database is down is tried every few seconds, then held again at the back of the queue.</summary>
public sealed class HeldEventsConsumerDefinition : ConsumerDefinition<HeldEventsConsumer>
{
    private readonly HeldEventsOptions _options;

    public HeldEventsConsumerDefinition(IOptions<HeldEventsOptions> options)
    {
        _options = options.Value;
        EndpointName = HeldEvents.Queue;
        ConcurrentMessageLimit = EventBatchRecordingConsumerDefinition.BatchSize;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<HeldEventsConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConfigureConsumeTopology = false;
        // The recording queues' policy, one batch at a time; inside its retry, the wait for the database.
        RecordingQueues.Configure(endpointConfigurator, consumerConfigurator, EventBatchRecordingConsumerDefinition.BatchSize, concurrentBatches: 1);
        endpointConfigurator.UseMessageRetry(r =>
        {
            r.Handle<CompanyDatabasesUnavailableException>();
            r.Interval(_options.TriesBeforeRequeue, TimeSpan.FromSeconds(_options.RetryEverySeconds));
        });
    }
}
