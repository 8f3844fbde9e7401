using Attribution.Contracts.Ingestion;
using Attribution.ServiceDefaults.Messaging;
using MassTransit;

namespace Attribution.Engine.Recording;

/// <summary>
/// Records accepted messages in their streams, a whole batch of messages in one transaction
/// (<see cref="EventRecorder"/>). One consumer type per message, sharing this code.
/// </summary>
public sealed class RecordingConsumer<TMessage>(EventRecorder recorder) : IConsumer<Batch<TMessage>> where TMessage : class
{
    public Task Consume(ConsumeContext<Batch<TMessage>> context) =>
        recorder.RecordAsync(RecordingQueues.Of<TMessage>(), [.. context.Message.Select(m => new CarriedEvent(m, m.Message))], context.CancellationToken);
}

/// <summary>
/// Records the events of <see cref="EventBatchReceived"/> messages exactly as if each had come
/// alone (contract §5): in request order, with the same idempotency, checks and faults, and the
/// events of the whole batch of messages in one transaction.
/// </summary>
public sealed class EventBatchRecordingConsumer(EventRecorder recorder) : IConsumer<Batch<EventBatchReceived>>
{
    public Task Consume(ConsumeContext<Batch<EventBatchReceived>> context) =>
        recorder.RecordAsync(
            RecordingQueues.Of<EventBatchReceived>(),
            [.. context.Message.SelectMany(EventsOf)],
            context.CancellationToken);

    // A coalesced message names each entry's own request trace; a batch request's entries share its message's.
    internal static IEnumerable<CarriedEvent> EventsOf(ConsumeContext<EventBatchReceived> m)
    {
        var traces = EntryTraceParents.Parse(m.Headers.Get<string>(EntryTraceParents.Header), m.Message.Events.Count);
        return m.Message.Events.Select((e, i) => new CarriedEvent(m, BatchedEvents.MessageOf(e), traces?[i]));
    }
}

/// <summary>
/// Consumer policy: batch size, wait, concurrency and retries live here, not in the consumer
/// (MassTransit's Sample-Outbox style). Each message type gets its own queue.
/// </summary>
public abstract class RecordingDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    private readonly int _batchSize;
    private readonly int _concurrentBatches;

    protected RecordingDefinition(string queue, int batchSize, int concurrentBatches)
    {
        _batchSize = batchSize;
        _concurrentBatches = concurrentBatches;
        EndpointName = queue;
        ConcurrentMessageLimit = batchSize * concurrentBatches;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        RecordingQueues.Configure(endpointConfigurator, consumerConfigurator, _batchSize, _concurrentBatches);
}

/// <summary>The policy of a single message type's queue.</summary>
public sealed class RecordingConsumerDefinition<TMessage>() : RecordingDefinition<RecordingConsumer<TMessage>>(RecordingQueues.Of<TMessage>(), BatchSize, ConcurrentBatches)
    where TMessage : class
{
    public const int BatchSize = 200;
    public const int ConcurrentBatches = 2;
}

/// <summary>
/// The policy of the batch messages' queue: fewer messages per batch, since each carries many
/// events (20 batch requests of 500 are 10,000 events, the store's group limit).
/// </summary>
public sealed class EventBatchRecordingConsumerDefinition() : RecordingDefinition<EventBatchRecordingConsumer>(RecordingQueues.Of<EventBatchReceived>(), BatchSize, ConcurrentBatches)
{
    public const int BatchSize = 20;
    public const int ConcurrentBatches = 2;
}

/// <summary>The recording queue of each message type, and their shared policy.</summary>
public static class RecordingQueues
{
    public static string Of<TMessage>() => Of(typeof(TMessage));

    public static string Of(Type message) => "attribution-record-" + KebabCaseEndpointNameFormatter.Instance.SanitizeName(message.Name);

    /// <summary>Up to <paramref name="batchSize"/> messages or 10 ms per batch, <paramref name="concurrentBatches"/> at once, retried with backoff.</summary>
    internal static void Configure<TConsumer>(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, int batchSize, int concurrentBatches)
        where TConsumer : class
    {
        endpoint.PrefetchCount = batchSize * concurrentBatches * 2;
        endpoint.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        consumer.Options<BatchOptions>(o => o
            .SetMessageLimit(batchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(10))
            .SetConcurrencyLimit(concurrentBatches));
    }
}
