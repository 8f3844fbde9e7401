using Attribution.Contracts.Ingestion;
using Attribution.Engine.Journeys;
using Attribution.EventStore;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;

namespace Attribution.Engine.AttributionConsumer.Recording;

/// <summary>
/// Records accepted messages in their streams, a whole batch in one transaction (one commit per
/// message cannot keep up; see platform-notes). Redeliveries are harmless: the event id is the
/// store's idempotency key. One consumer type per message, sharing this code.
/// </summary>
public sealed class RecordingConsumer<TMessage>(IEventStore store) : IConsumer<Batch<TMessage>> where TMessage : class
{
    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        var appends = context.Message
            .Select(m =>
            {
                var (streamId, tenant, eventId, data) = Place(m.Message);
                return new StreamAppend(streamId, tenant, ExpectedVersion.Any, [new NewEvent(eventId, data, MessageTrace.MetadataOf(m))]);
            })
            .ToList();

        await ResiliencePipelines.Database.ExecuteAsync(async ct => await store.AppendAsync(appends, ct), context.CancellationToken);
    }

    private static (string StreamId, string Tenant, Guid EventId, object Data) Place(TMessage message) => message switch
    {
        CartEventReceived m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        CheckoutCompleted m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        InteractionRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        RefundRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        _ => throw new NotSupportedException($"No stream placement for {typeof(TMessage).Name}."),
    };

    private static (string, string, Guid, object) With((string StreamId, object Event) placed, string tenant, Guid eventId) =>
        (placed.StreamId, tenant, eventId, placed.Event);
}

/// <summary>
/// Consumer policy: batch size, wait, concurrency and retries live here, not in the consumer
/// (MassTransit's Sample-Outbox style). Each message type gets its own queue.
/// </summary>
public sealed class RecordingConsumerDefinition<TMessage> : ConsumerDefinition<RecordingConsumer<TMessage>> where TMessage : class
{
    public const int BatchSize = 200;
    public const int ConcurrentBatches = 2;

    public RecordingConsumerDefinition()
    {
        EndpointName = RecordingQueues.Of<TMessage>();
        ConcurrentMessageLimit = BatchSize * ConcurrentBatches;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RecordingConsumer<TMessage>> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = BatchSize * ConcurrentBatches * 2;
        endpointConfigurator.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(10))
            .SetConcurrencyLimit(ConcurrentBatches));
    }
}

/// <summary>The recording queue of each message type (the watchdog asks the broker about them).</summary>
public static class RecordingQueues
{
    public static string Of<TMessage>() => "attribution-record-" + KebabCaseEndpointNameFormatter.Instance.SanitizeName(typeof(TMessage).Name);
}
