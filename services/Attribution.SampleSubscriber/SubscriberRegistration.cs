using Attribution.EventStore;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Attribution.ServiceDefaults.Resilience;
using Attribution.ServiceDefaults.Telemetry;
using Npgsql;
using Polly.Registry;

namespace Attribution.SampleSubscriber;

public static class SubscriberRegistration
{
    public static IHostApplicationBuilder AddSampleSubscriber(this IHostApplicationBuilder builder)
    {
        var settings = AttributionSettings.From(builder.Configuration);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(settings.PostgresConnection));
        builder.Services.AddAttributionResilience();
        builder.Services.AddHostedService<SchemaSetup>();
        builder.Services.AddAttributionTelemetry(builder.Configuration, "attribution-sample-subscriber");
        builder.Services.AddAttributionBus(settings, bus =>
            bus.AddConsumer<RevenueMessagesConsumer>().Endpoint(e => e.Name = "sample-subscriber-revenue"));
        return builder;
    }

    private sealed class SchemaSetup(NpgsqlDataSource db, ResiliencePipelineProvider<string> pipelines) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            pipelines.GetPipeline(ResiliencePipelines.StartUp).ExecuteAsync(
                async ct => await SchemaMigrator.MigrateAsync(db, "sample_subscriber", typeof(SchemaSetup).Assembly, ct), cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
