using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Attribution.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry through its hosting package: ASP.NET Core, HttpClient, runtime and Npgsql
/// instrumentation, MassTransit's own source and meter, and ours ("Attribution.*"). Metrics are
/// always collected, for Prometheus to scrape (the gateway's <see cref="MapMetrics"/>, the engine's
/// <see cref="AddMetricsListener"/>). Traces and logs are collected only when exported: OTLP,
/// switched on by the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, since sampling every span costs
/// throughput under load.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Activity sources this system emits; "Attribution.*" covers our own.</summary>
    public static readonly string[] Sources = ["MassTransit", "Attribution.*"];

    /// <summary>Meters this system reports; "Polly" counts the resilience pipelines' retries and timeouts.</summary>
    public static readonly string[] Meters = ["MassTransit", "Attribution.*", "Polly"];

    public static IServiceCollection AddAttributionTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // What a tracer provider listens to, whoever builds one (OTLP below, or a test's in-memory exporter).
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing
            .AddSource(Sources)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddNpgsql());

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(Meters)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        if (otlp)
            telemetry.WithTracing().WithLogging().UseOtlpExporter();
        return services;
    }

    /// <summary>GET /metrics in Prometheus' text format.</summary>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint();

    /// <summary>Where a process without ASP.NET Core serves GET /metrics (<c>Metrics__ListenUrl</c>); empty serves none.</summary>
    public const string MetricsListenUrlKey = "Metrics:ListenUrl";

    public const string DefaultMetricsListenUrl = "http://127.0.0.1:9464/";

    /// <summary>
    /// GET /metrics in Prometheus' text format for a process without ASP.NET Core (the engine), on an
    /// HttpListener of its own at <see cref="MetricsListenUrlKey"/> (/metrics under that URL's path).
    /// A URL that cannot be bound stops the host's start, as a taken HTTP port stops the gateway's.
    /// </summary>
    public static IServiceCollection AddMetricsListener(this IServiceCollection services, IConfiguration configuration)
    {
        var url = configuration[MetricsListenUrlKey] ?? DefaultMetricsListenUrl;
        if (string.IsNullOrWhiteSpace(url)) return services;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new InvalidOperationException($"{MetricsListenUrlKey} must be an http:// URL, or empty for no metrics listener; it is '{url}'.");

        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusHttpListener(listener =>
        {
            var anyHost = uri.Host is "0.0.0.0" or "[::]";
            listener.Host = anyHost ? "localhost" : uri.Host;
            listener.Port = uri.Port;
            listener.ScrapeEndpointPath = uri.AbsolutePath.TrimEnd('/') + "/metrics";
            // HttpListener matches each request's Host header against its prefixes: an address bound to
            // every interface (0.0.0.0, [::], as in a container) takes any host name ("+"), so Prometheus
            // can scrape it under the service's name. The options' Host must parse as a URI host, "+" does not.
            if (anyHost)
                listener.ConfigureHttpListener = (_, http) =>
                {
                    http.Prefixes.Clear();
                    http.Prefixes.Add($"http://+:{uri.Port}{uri.AbsolutePath.TrimEnd('/')}/");
                };
        }));
        return services;
    }
}
