using System.Diagnostics;
using System.Net;
using Attribution.EventStore.Projections;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Infrastructure.MetricsScrape;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// Telemetry as an operator gets it: one trace from the HTTP request to the read model, exported
/// through the OpenTelemetry SDK (in-memory exporter here, OTLP in production), and the gateway's
/// and the engine's /metrics. Gateway and engine share this test process, so the gateway's tracer
/// provider sees both; the engine serves its /metrics on a free port of its own.
/// </summary>
[NonParallelizable]
public sealed class TelemetryTests
{
    private static readonly ActivitySource Client = new("Attribution.Tests");
    private readonly List<Activity> _spans = [];
    private RunningSystem _system = null!;
    private TestCompany _company = null!;
    private HttpClient _engineMetrics = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var engineMetricsUrl = $"http://127.0.0.1:{FreePort()}/";
        _system = await RunningSystem.StartAsync(
            configureGateway: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_spans)),
            engineSettings: new Dictionary<string, string?> { ["Metrics:ListenUrl"] = engineMetricsUrl });
        _company = await _system.CreateCompanyAsync("Telemetry");
        _engineMetrics = new HttpClient { BaseAddress = new Uri(engineMetricsUrl) };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _engineMetrics?.Dispose();
        await _system.DisposeAsync();
    }

    private List<Activity> SpansOf(ActivityTraceId traceId)
    {
        // A batch continues the trace of one of its messages or events and links the others' traces.
        Activity?[] exported;
        lock (_spans) exported = _spans.ToArray();
        return [.. new ExportedTrace(exported, traceId).Reached];
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

        var company = $"company=\"{_company.CompanyKey}\"";
        var text = await Poll.UntilAsync(() => ScrapeAsync(_system.Http),
            t => Samples(t, "gateway_events_accepted_total").Any(x => x.Labels.Contains(company, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "/metrics with the accepted events", failOnTimeout: false);
        TestContext.Out.WriteLine(string.Join("\n", text.Split('\n').Where(l => l.StartsWith("gateway_", StringComparison.Ordinal))));

        var confirmed = Samples(text, "gateway_publish_confirm_duration_seconds_count").Where(x => x.Labels.Contains("kind=\"cart\"", StringComparison.Ordinal)
            && x.Labels.Contains("outcome=\"confirmed\"", StringComparison.Ordinal)).ToList();
        var confirmSum = Samples(text, "gateway_publish_confirm_duration_seconds_sum").Where(x => x.Labels.Contains("kind=\"cart\"", StringComparison.Ordinal)
            && x.Labels.Contains("outcome=\"confirmed\"", StringComparison.Ordinal)).Sum(x => x.Value);
        Assert.Multiple(() =>
        {
            Assert.That(Samples(text, "gateway_events_accepted_total"), Has.Some.Matches<(string Labels, double Value)>(x =>
                x.Labels.Contains(company, StringComparison.Ordinal) && x.Labels.Contains("kind=\"cart\"", StringComparison.Ordinal) && x.Value >= 1),
                "accepted events, by kind and company");
            Assert.That(confirmed.Sum(x => x.Value), Is.GreaterThanOrEqualTo(1), "publish-confirm latency observed for the cart event");
            Assert.That(confirmSum / Math.Max(1, confirmed.Sum(x => x.Value)), Is.GreaterThan(0).And.LessThan(5), "a confirm takes more than nothing and less than the pipeline's timeout, in seconds");
            Assert.That(Samples(text, "gateway_publish_confirm_duration_seconds_bucket"), Has.Some.Matches<(string Labels, double Value)>(x =>
                x.Labels.Contains("le=\"0.005\"", StringComparison.Ordinal)), "buckets sized for seconds");
            Assert.That(text, Does.Contain("http_server_request_duration_seconds"), "ASP.NET Core instrumentation");
            Assert.That(text, Does.Contain("dotnet_"), "runtime instrumentation");
        });
    }

    [Test]
    public async Task Metrics_counts_rejected_events_by_reason_and_company()
    {
        using (var rejected = await _company.PostAsBrowserAsync("/v1/events/cart", new
        {
            userFingerprint = "fp_r", type = "item_added", productId = "SKU-1", productName = "Shoes", value = 10m, currency = "USD", quantity = 1,
        }))
            Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        var company = $"company=\"{_company.CompanyKey}\"";
        var text = await Poll.UntilAsync(() => ScrapeAsync(_system.Http), t => Samples(t, "gateway_events_rejected_total").Any(x => x.Labels.Contains(company, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "/metrics with the rejected event", failOnTimeout: false);
        var samples = Samples(text, "gateway_events_rejected_total").Where(x => x.Labels.Contains(company, StringComparison.Ordinal)).ToList();
        TestContext.Out.WriteLine(string.Join("\n", samples));
        Assert.That(samples, Has.Some.Matches<(string Labels, double Value)>(x =>
            x.Labels.Contains("reason=\"unknown_cart_type\"", StringComparison.Ordinal)
            && x.Labels.Contains("kind=\"cart\"", StringComparison.Ordinal) && x.Value >= 1), "the rejection, by reason, kind and company");
    }

    [Test]
    public async Task The_engine_serves_projection_lag_and_decisions_on_its_own_metrics()
    {
        // The other tests' events are decided too: this checkout's decision is the one above this count.
        var before = Sum(await Poll.UntilAsync(() => ScrapeAsync(_engineMetrics), t => t.Length > 0, TimeSpan.FromSeconds(30), "the engine's /metrics"),
            "attribution_decisions_total", "outcome=\"not_attributed\"");
        using (var accepted = await _company.PostAsBrowserAsync("/v1/events/checkout", new
        {
            userFingerprint = "fp_" + Guid.NewGuid().ToString("N"), orderId = "ORDER-" + Guid.NewGuid().ToString("N"), value = 25m, currency = "USD",
        }))
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        // Decided (no conversation: not attributed); then every projection caught up with the store, the decision
        // included: a backlog read once the decision was stored, past the reading the gauges may still share.
        await Poll.UntilAsync(() => ScrapeAsync(_engineMetrics), t => Sum(t, "attribution_decisions_total", "outcome=\"not_attributed\"") > before,
            TimeSpan.FromSeconds(30), "the engine's /metrics with the checkout's decision", failOnTimeout: false);
        var decided = Stopwatch.StartNew();
        var text = await Poll.UntilAsync(() => ScrapeAsync(_engineMetrics),
            t => decided.Elapsed > ProjectionBacklogMetrics.Reuse
                && ProjectionNames.Asynchronous.All(p => Gauge(t, "event_store_projection_pending_events", p) == 0),
            TimeSpan.FromSeconds(30), "the engine's /metrics with no projection behind", failOnTimeout: false);

        TestContext.Out.WriteLine(string.Join("\n", text.Split('\n').Where(l =>
            l.StartsWith("attribution_decisions", StringComparison.Ordinal) || l.StartsWith("event_store_projection", StringComparison.Ordinal))));
        Assert.Multiple(() =>
        {
            Assert.That(Sum(text, "attribution_decisions_total", "outcome=\"not_attributed\""), Is.GreaterThan(before), "the checkout's decision");
            foreach (var projection in ProjectionNames.Asynchronous)
            {
                Assert.That(Gauge(text, "event_store_projection_pending_events", projection), Is.EqualTo(0), $"{projection}: events behind, caught up");
                Assert.That(Gauge(text, "event_store_projection_oldest_pending_age_seconds", projection), Is.EqualTo(0), $"{projection}: age of its oldest pending event, caught up");
            }
            Assert.That(text, Does.Contain("event_store_projection_lag_milliseconds"), "the time from append to projection, per page");
            Assert.That(text, Does.Contain("dotnet_"), "runtime instrumentation");
        });
    }

    /// <summary>The projection's value of a gauge, or null when it has no series.</summary>
    private static double? Gauge(string text, string metric, string projection) => MetricsScrape.Gauge(text, metric, $"projection=\"{projection}\"");
}
