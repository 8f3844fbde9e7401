using Attribution.Contracts.Ingestion;
using Attribution.Engine.Journeys;
using Attribution.EventStore;
using Attribution.ServiceDefaults.Resilience;
using Attribution.ServiceDefaults.Visitors;
using MassTransit;

namespace Attribution.Engine.AttributionConsumer.RecordingCartEvents;

/// <summary>
/// Appends accepted cart events to their visitors' streams, a whole batch in one transaction
/// (one commit per message cannot keep up; see platform-notes). Redeliveries are harmless: the
/// event id is the store's idempotency key.
/// </summary>
public sealed class CartEventReceivedConsumer(IEventStore store) : IConsumer<Batch<CartEventReceived>>
{
    public async Task Consume(ConsumeContext<Batch<CartEventReceived>> context)
    {
        var appends = context.Message
            .Select(m => new StreamAppend(
                VisitorKey.StreamId(m.Message.CompanyKey, VisitorKey.Of(m.Message.UserFingerprint, m.Message.UserFaqFingerprint)),
                m.Message.CompanyKey,
                ExpectedVersion.Any,
                [new NewEvent(m.Message.EventId, VisitorEvents.V1.CartEventRecorded.From(m.Message), MessageTrace.MetadataOf(m))]))
            .ToList();

        await ResiliencePipelines.Database.ExecuteAsync(
            async ct => await store.AppendAsync(appends, ct), context.CancellationToken);
    }
}

/// <summary>
/// Consumer policy: batch size, wait, concurrency and retries live here, not in the consumer
/// (MassTransit's Sample-Outbox style).
/// </summary>
public sealed class CartEventReceivedConsumerDefinition : ConsumerDefinition<CartEventReceivedConsumer>
{
    public const int BatchSize = 200;
    public const int ConcurrentBatches = 2;

    public CartEventReceivedConsumerDefinition()
    {
        EndpointName = "attribution-cart-events";
        ConcurrentMessageLimit = BatchSize * ConcurrentBatches;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<CartEventReceivedConsumer> consumerConfigurator,
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
