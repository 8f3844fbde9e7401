using Attribution.Contracts.Ingestion;
using Attribution.Engine.AttributionConsumer.Recording;
using Attribution.Engine.AttributionConsumer.Watchdog;
using Attribution.Engine.Attribution;
using Attribution.Engine.Attribution.Deciding;
using Attribution.Engine.Attribution.Publishing;
using Attribution.Engine.Attribution.Replaying;
using Attribution.Engine.Journeys;
using Attribution.Engine.RevenueProjector.DataQuality;
using Attribution.Engine.RevenueProjector.Engagement;
using Attribution.Engine.RevenueProjector.Revenue;
using Attribution.Engine.RevenueProjector.VisitorCarts;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using MassTransit;

namespace Attribution.Engine;

/// <summary>The engine's two units, each registered by one call.</summary>
public static class EngineRegistration
{
    /// <summary>The whole engine process: defaults, event store, attribution consumer, revenue projector.</summary>
    public static IHostApplicationBuilder AddAttributionEngine(this IHostApplicationBuilder builder)
    {
        var settings = builder.AddAttributionDefaults("attribution-engine");
        builder.Services.AddAttributionEventStore();
        builder.Services.AddAttributionConsumer(settings);
        builder.Services.AddAttributionDecisions();
        builder.Services.AddRevenueProjector();
        return builder;
    }

    /// <summary>The stored event types and projections (shared by both units and by replay tooling).</summary>
    public static IServiceCollection AddAttributionEventStore(this IServiceCollection services) =>
        services.AddEventStore(store =>
        {
            store.Events.RegisterVisitorEvents().RegisterDecisionEvents();
            store.AddProjection(new VisitorCartProjection(), ProjectionLifecycle.Async);
            store.AddProjection(new LatestDecisionProjection(), ProjectionLifecycle.Inline);
            store.AddProjection(new LatestRefundProjection(), ProjectionLifecycle.Inline);
        });

    /// <summary>The attribution consumer: bus -> visitor streams, watched from the broker's side.</summary>
    public static IServiceCollection AddAttributionConsumer(this IServiceCollection services, AttributionSettings settings)
    {
        var instance = EngineInstance.New();
        return services
            .AddSingleton(instance)
            .AddSingleton<UnstorableMessages>()
            .AddAttributionBus(settings, connectionName: instance.ConnectionName, registerConsumers: bus =>
            {
                bus.AddConsumer<RecordingConsumer<CartEventReceived>, RecordingConsumerDefinition<CartEventReceived>>();
                bus.AddConsumer<RecordingConsumer<CheckoutCompleted>, RecordingConsumerDefinition<CheckoutCompleted>>();
                bus.AddConsumer<RecordingConsumer<InteractionRecorded>, RecordingConsumerDefinition<InteractionRecorded>>();
                bus.AddConsumer<RecordingConsumer<RefundRecorded>, RecordingConsumerDefinition<RefundRecorded>>();
                bus.AddConsumer<ReplayCompanyConsumer, ReplayCompanyConsumerDefinition>();
            })
            .AddSingleton(sp =>
            {
                var options = new ConsumerWatchdogOptions
                {
                    Queues =
                    [
                        RecordingQueues.Of<CartEventReceived>(),
                        RecordingQueues.Of<CheckoutCompleted>(),
                        RecordingQueues.Of<InteractionRecorded>(),
                        RecordingQueues.Of<RefundRecorded>(),
                        ReplayCompanyConsumerDefinition.QueueName, // found unreconnected after a broker restart too
                    ],
                };
                // Watchdog__Interval and Watchdog__StallLimit (e.g. 00:00:15) shorten it, as the survival tests do.
                sp.GetRequiredService<IConfiguration>().GetSection(ConsumerWatchdogOptions.Section).Bind(options);
                return options;
            })
            .AddSingleton<BusStartSignal>()
            .AddBusObserver(sp => sp.GetRequiredService<BusStartSignal>())
            .AddHostedService<ConsumerWatchdog>();
    }

    /// <summary>The revenue projector: decisions and visitor streams -> Revenue Impact, data-quality and engagement read models, via the projection daemon.</summary>
    public static IServiceCollection AddRevenueProjector(this IServiceCollection services) => services
        .AddAsyncProjection<RevenueProjection>()
        .AddAsyncProjection<DataQualityProjection>()
        .AddAsyncProjection<EngagementProjection>()
        .AddSingleton<CompanyReplay>()
        .AddProjectionDaemon();

    /// <summary>Attribution: decisions as events are recorded, and their messages to downstream services.</summary>
    public static IServiceCollection AddAttributionDecisions(this IServiceCollection services) => services
        .AddSingleton<DecisionReader>()
        .AddAsyncProjection<AttributionReactor>()
        .AddAsyncProjection<DecisionPublisher>();
}
