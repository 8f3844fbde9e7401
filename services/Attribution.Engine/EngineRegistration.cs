using Attribution.Contracts.Ingestion;
using Attribution.Engine.Broker;
using Attribution.Engine.Deciding;
using Attribution.Engine.Publishing;
using Attribution.Engine.QueueMetrics;
using Attribution.Engine.Recording;
using Attribution.Engine.Replay;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.EventStore.StoredEvents;
using Attribution.ReadModels.DataQuality;
using Attribution.ReadModels.Engagement;
using Attribution.ReadModels.LatestDecisions;
using Attribution.ReadModels.Revenue;
using Attribution.ReadModels.VisitorCarts;
using Attribution.ServiceDefaults;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Attribution.ServiceDefaults.Telemetry;
using MassTransit;

namespace Attribution.Engine;

/// <summary>The engine's parts, each registered by one call.</summary>
public static class EngineRegistration
{
    /// <summary>The whole engine process: defaults, its /metrics, event store, recording, deciding and publishing, read-model projections.</summary>
    public static IHostApplicationBuilder AddAttributionEngine(this IHostApplicationBuilder builder)
    {
        var settings = builder.AddAttributionDefaults("attribution-engine");
        builder.Services.AddMetricsListener(builder.Configuration);
        builder.Services.AddAttributionEventStore();
        builder.Services.AddBusConsumers(settings);
        builder.Services.AddQueueMetrics();
        builder.Services.AddDeciding();
        builder.Services.AddReadModelProjections();
        return builder;
    }

    /// <summary>The stored event types and the projections given as instances (shared by every part and by replay tooling).</summary>
    public static IServiceCollection AddAttributionEventStore(this IServiceCollection services) =>
        services.AddEventStore(store =>
        {
            store.Events.RegisterVisitorEvents().RegisterDecisionEvents();
            store.AddProjection(new VisitorCartProjection(), ProjectionLifecycle.Async);
            store.AddProjection(new LatestDecisionProjection(), ProjectionLifecycle.Inline);
            store.AddProjection(new LatestRefundProjection(), ProjectionLifecycle.Inline);
            store.AddProjection(new RuleConfirmationProjection(), ProjectionLifecycle.Inline);
        });

    /// <summary>
    /// The bus side: recording (bus -> visitor streams) and replay requests. MassTransit reconnects its
    /// receive endpoints after a broker outage by itself (docs/decisions/consumer-watchdog.md).
    /// </summary>
    public static IServiceCollection AddBusConsumers(this IServiceCollection services, AttributionSettings settings)
    {
        var instance = EngineInstance.New();
        return services
            .AddSingleton<UnstorableMessages>()
            .AddOptions<HeldEventsOptions>().BindConfiguration(HeldEventsOptions.Section)
                .Validate(o => o.RetryEverySeconds > 0 && o.TriesBeforeRequeue >= 1,
                    $"{HeldEventsOptions.Section}: RetryEverySeconds must be positive and TriesBeforeRequeue at least 1.").Services
            .AddSingleton<EventRecorder>()
            .AddAttributionBus(settings, connectionName: instance.ConnectionName, registerConsumers: bus =>
            {
                bus.AddConsumer<RecordingConsumer<CartEventReceived>, RecordingConsumerDefinition<CartEventReceived>>();
                bus.AddConsumer<RecordingConsumer<CheckoutCompleted>, RecordingConsumerDefinition<CheckoutCompleted>>();
                bus.AddConsumer<RecordingConsumer<InteractionRecorded>, RecordingConsumerDefinition<InteractionRecorded>>();
                bus.AddConsumer<RecordingConsumer<RefundRecorded>, RecordingConsumerDefinition<RefundRecorded>>();
                bus.AddConsumer<EventBatchRecordingConsumer, EventBatchRecordingConsumerDefinition>();
                bus.AddConsumer<HeldEventsConsumer, HeldEventsConsumerDefinition>();
                bus.AddConsumer<ReplayCompanyConsumer, ReplayCompanyConsumerDefinition>();
            });
    }

    /// <summary>The queues the engine consumes: recording, and replay.</summary>
    public static readonly IReadOnlyList<string> ConsumedQueues =
    [
        RecordingQueues.Of<CartEventReceived>(),
        RecordingQueues.Of<CheckoutCompleted>(),
        RecordingQueues.Of<InteractionRecorded>(),
        RecordingQueues.Of<RefundRecorded>(),
        RecordingQueues.Of<EventBatchReceived>(),
        HeldEvents.Queue,
        ReplayCompanyConsumerDefinition.QueueName,
    ];

    /// <summary>Gauges of the consumed queues and their error queues, from RabbitMQ's management API (on the engine's /metrics).</summary>
    public static IServiceCollection AddQueueMetrics(this IServiceCollection services) => services
        .AddRabbitMqManagementApi()
        .AddSingleton(sp => new QueueMetricsReporter(
            sp.GetRequiredService<RabbitMqManagementApi>(),
            [.. ConsumedQueues, .. ConsumedQueues.Select(q => q + "_error")],
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<QueueMetricsReporter>>()))
        .AddHostedService(sp => sp.GetRequiredService<QueueMetricsReporter>());

    /// <summary>Decisions and visitor streams -> the Revenue Impact, data-quality and engagement read models, via the projection daemon; replays rebuild them.</summary>
    public static IServiceCollection AddReadModelProjections(this IServiceCollection services) => services
        .AddAsyncProjection<RevenueProjection>()
        .AddAsyncProjection<DataQualityProjection>()
        .AddAsyncProjection<EngagementProjection>()
        .AddSingleton<CompanyReplay>()
        .AddProjectionDaemon();

    /// <summary>Deciding (visitor streams -> decision events) and publishing (decision events -> messages to downstream services).</summary>
    public static IServiceCollection AddDeciding(this IServiceCollection services) => services
        .AddAsyncProjection<AttributionReactor>()
        .AddAsyncProjection<DecisionPublisher>();
}
