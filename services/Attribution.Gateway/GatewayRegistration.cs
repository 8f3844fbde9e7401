using System.Text.Json.Serialization;
using Attribution.Gateway.Admin.Companies;
using Attribution.Gateway.Admin.ViewerTokens;
using Attribution.Gateway.Http;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Conversations;
using Attribution.Gateway.Dashboard;
using Attribution.Gateway.DataQuality;
using Attribution.Gateway.Explain;
using Attribution.Gateway.Revenue;
using Attribution.Gateway.Sdk;
using Attribution.Gateway.Shopify;
using Attribution.Gateway.Replay;
using Attribution.Gateway.Ingestion;
using Attribution.Gateway.Ingestion.Batch;
using Attribution.Gateway.Ingestion.Diagnostics;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.Gateway.Ingestion.Rejections;
using Attribution.Gateway.Visitors;
using Attribution.Gateway.Visitors.Erasure;
using Attribution.EventStore;
using Attribution.EventStore.StoredEvents;
using Attribution.ReadModels;
using Attribution.ServiceDefaults;
using Attribution.ServiceDefaults.Messaging;
using Attribution.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Attribution.Gateway;

/// <summary>The gateway's wiring (services) and its routes (endpoints), each in one place.</summary>
public static class GatewayRegistration
{
    public static WebApplicationBuilder AddAttributionGateway(this WebApplicationBuilder builder)
    {
        var settings = builder.AddAttributionDefaults("attribution-gateway");

        // Listen where the contract says unless the host was told otherwise (ASPNETCORE_URLS / --urls).
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(settings.GatewayUrl);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = JsonBody.BatchLimit; // per-endpoint limits are tighter (JsonBody)
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10); // slow-client (slowloris) guard
        });

        builder.Services.AddAttributionBus(settings); // publishes only: no consumers here
        builder.Services.Configure<PublishingOptions>(builder.Configuration.GetSection(PublishingOptions.Section));
        builder.Services.AddSingleton<EventPublisher>();
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddSingleton<IngestionRequest>();
        builder.Services.AddSingleton<RevenueReads>();
        builder.Services.AddReadModelQueries();
        builder.Services.AddSingleton<ViewerTokens>();
        // Erasure masks stored events in place and explain reads a visitor's timeline; nothing is appended here.
        builder.Services.AddEventStore(store => store.Events.RegisterVisitorEvents());
        builder.Services.AddIngestionRateLimits(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        return builder;
    }

    public static WebApplication MapAttributionGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseViewerAccess();
        app.UseReadRetryOnDroppedConnection();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapMetrics(); // Prometheus scrapes GET /metrics
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResultStatusCodes = { [Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded] = 503 } });

        app.MapCompanyAdminEndpoints();
        app.MapViewerTokenAdminEndpoints();
        app.MapIngestionPreflight();
        app.MapIngestionEndpoints();
        app.MapBatchEndpoint();
        app.MapSdkDiagnostics();
        app.MapVisitorCartEndpoint();
        app.MapVisitorErasureEndpoint();
        app.MapExplainEndpoints();
        app.MapReplayEndpoints();
        app.MapRevenueEndpoints();
        app.MapConversationEndpoints();
        app.MapDataQualityEndpoint();
        app.MapShopifyWebhooks();
        app.MapSdk();
        app.MapDashboard();
        return app;
    }
}
