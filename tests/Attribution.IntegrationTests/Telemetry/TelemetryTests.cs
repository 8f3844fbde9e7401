using System.Diagnostics;
using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// Telemetry as an operator gets it: one trace from the HTTP request to the read model, exported
/// through the OpenTelemetry SDK (in-memory exporter here, OTLP in production), and /metrics.
/// Gateway and engine share this test process, so the gateway's tracer provider sees both.
/// </summary>
[NonParallelizable]
public sealed class TelemetryTests
{
    private static readonly ActivitySource Client = new("Attribution.Tests");
    private readonly List<Activity> _spans = [];
    private RunningSystem _system = null!;
    private TestCompany _company = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync(configureGateway: services =>
            services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_spans)));
        _company = await _system.CreateCompanyAsync("Telemetry");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private List<Activity> SpansOf(ActivityTraceId traceId)
    {
        // A projection's batch continues the trace of its first event and links the others' traces.
        lock (_spans) return _spans.Where(s => s.TraceId == traceId || s.Links.Any(l => l.Context.TraceId == traceId)).ToList();
    }

    [Test]
    public async Task One_exported_trace_runs_from_the_post_through_publish_consume_and_append_to_the_projection()
    {
        // The storefront's side of the trace: a span of the test's own, which HttpClient propagates.
        using var client = Client.StartActivity("storefront posts a cart event", ActivityKind.Client)!;
        var traceId = client.TraceId;
        using var response = await _company.PostAsBrowserAsync("/v1/events/cart", new
        {
            eventId = Guid.NewGuid().ToString(),
            userFingerprint = "fp_" + Guid.NewGuid().ToString("N"),
            type = "ITEM_ADDED",
            productId = "SKU-1",
            productName = "Shoes",
            value = 10m,
            currency = "USD",
            quantity = 1,
        });
        client.Stop();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var spans = await Poll.UntilAsync(() => Task.FromResult(SpansOf(traceId)),
            s => s.Any(a => a.OperationName.StartsWith("project visitor_carts", StringComparison.Ordinal))
                && s.Any(a => a.OperationName.StartsWith("project attribution_decisions", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the projection's span exported in the request's trace", failOnTimeout: false);
        var names = spans.Select(s => $"{s.Source.Name}:{s.DisplayName}").ToList();
        TestContext.Out.WriteLine("in this trace:\n" + string.Join("\n", names));
        Assert.Multiple(() =>
        {
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.Source.Name == "Microsoft.AspNetCore"), "the HTTP POST");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer), "the publish");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer), "the consume");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName == "event_store append"), "the append");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName.StartsWith("project visitor_carts", StringComparison.Ordinal)), "the read-model projection");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName.StartsWith("project attribution_decisions", StringComparison.Ordinal)), "the decision");
        });
    }

    [Test]
    public async Task Metrics_serves_prometheus_text_after_traffic()
    {
        using (var accepted = await _company.PostAsBrowserAsync("/v1/events/cart", new
        {
            eventId = Guid.NewGuid().ToString(), userFingerprint = "fp_m", type = "ITEM_ADDED", productId = "SKU-1",
            productName = "Shoes", value = 10m, currency = "USD", quantity = 1,
        }))
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var text = await Poll.UntilAsync(async () =>
        {
            using var r = await _system.Http.GetAsync("/metrics");
            return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadAsStringAsync() : "";
        }, t => t.Contains("gateway_events_accepted", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "/metrics with the accepted events");
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("gateway_events_accepted"), "accepted events");
            Assert.That(text, Does.Contain("http_server_request_duration_seconds"), "ASP.NET Core instrumentation");
            Assert.That(text, Does.Contain("dotnet_"), "runtime instrumentation");
        });
    }
}
