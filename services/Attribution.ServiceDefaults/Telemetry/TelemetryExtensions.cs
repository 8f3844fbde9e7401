using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Attribution.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry wired by hand (OpenTelemetry.Extensions.Hosting is not served here): a hosted
/// service owns the tracer and meter providers. ASP.NET Core, MassTransit and our own sources
/// emit natively, so no instrumentation packages are needed. Export is OTLP, switched on by the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Activity sources and meters this system emits; "Attribution.*" covers our own.</summary>
    public static readonly string[] Sources = ["Microsoft.AspNetCore", "MassTransit", "Attribution.*"];

    public static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "MassTransit", "Attribution.*"];

    public static IServiceCollection AddAttributionTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        var endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint)) return services; // nothing to export to: emit nothing, cost nothing

        services.AddHostedService(_ => new TelemetryProviders(serviceName));
        return services;
    }

    private sealed class TelemetryProviders(string serviceName) : IHostedService, IDisposable
    {
        private TracerProvider? _tracer;
        private MeterProvider? _meter;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
            _tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(Sources)
                .SetSampler(new ParentBasedSampler(new AlwaysOnSampler()))
                .AddOtlpExporter()
                .Build();
            _meter = Sdk.CreateMeterProviderBuilder()
                .SetResourceBuilder(resource)
                .AddMeter(Meters)
                .AddOtlpExporter()
                .Build();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _tracer?.ForceFlush(2_000);
            _meter?.ForceFlush(2_000);
            return Task.CompletedTask;
        }

        public void Dispose()
        {
            _tracer?.Dispose();
            _meter?.Dispose();
        }
    }
}
