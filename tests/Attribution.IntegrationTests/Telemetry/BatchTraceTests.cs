using System.Diagnostics;
using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// Several requests that the engine records in one batch, and projects in one page, each keep a
/// whole trace: the batch's span links every message's trace, each event keeps its own message's
/// trace, and each decision its own event's. Exported through the OpenTelemetry SDK (in-memory here).
/// </summary>
[NonParallelizable]
public sealed class BatchTraceTests
{
    private const int Requests = 4;
    private static readonly ActivitySource Client = new("Attribution.Tests.Batch");
    private readonly List<Activity> _spans = [];
    private RunningSystem _system = null!;
    private IHost _engine = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Coalescing off: each request is its own message here, so the batch is the engine's
        // (several messages recorded together). A coalesced message is linked to its requests instead.
        _system = await RunningSystem.StartAsync(engines: 0,
            gatewaySettings: new Dictionary<string, string?> { ["Publishing:LingerMilliseconds"] = "0" },
            configureGateway: services => services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(_spans)));
        _engine = await _system.StartEngineAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private Activity[] Exported()
    {
        lock (_spans) return _spans.ToArray().OfType<Activity>().ToArray();
    }

    [Test]
    public async Task Requests_recorded_and_projected_in_one_batch_each_keep_their_whole_trace()
    {
        var company = await _system.CreateCompanyAsync("Batch traces");
        var visitors = Enumerable.Range(0, Requests).Select(i => (Fingerprint: $"fp_{i}_{Guid.NewGuid():N}", Conversation: $"conv_{i}_{Guid.NewGuid():N}")).ToList();

        // Each visitor's chat qualifies first, so each checkout is attributed and gets a RevenueAttributed of its own.
        foreach (var (fingerprint, conversation) in visitors)
        {
            using (var asked = await company.PostAsServerAsync("/v1/events/interactions", new
            {
                userFingerprint = fingerprint, channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId = conversation, text = "running shoes for flat feet?",
            }))
                Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            using (var answered = await company.PostAsServerAsync("/v1/events/interactions", new
            {
                userFingerprint = fingerprint, channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId = conversation, helpful = true,
            }))
                Assert.That(answered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        await Poll.UntilAsync(() => StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), n => n == 2 * Requests,
            TimeSpan.FromSeconds(30), "the chats recorded");

        // No engine consumes while the checkouts arrive: they wait in their queue, and the engine
        // started afterwards takes them all in its first batch.
        await _system.StopEngineAsync(_engine);
        var traceIds = await Task.WhenAll(visitors.Select(async v =>
        {
            // Each request is a trace of its own: a storefront span with a fresh trace id, which HttpClient propagates.
            var root = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
            using var storefront = Client.StartActivity("storefront posts a checkout", ActivityKind.Client, root)!;
            using var response = await company.PostAsBrowserAsync("/v1/events/checkout", new
            {
                userFingerprint = v.Fingerprint, orderId = "ORDER-" + Guid.NewGuid().ToString("N"), value = 50m, currency = "USD",
            });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            return storefront.TraceId;
        }));
        Assert.That(traceIds.Distinct().Count(), Is.EqualTo(Requests), "one trace per request");
        _engine = await _system.StartEngineAsync();

        var traces = await Poll.UntilAsync(() => Task.FromResult(traceIds.Select(id => new ExportedTrace(Exported(), id)).ToList()),
            all => all.All(t => t.OwnsPublishOf("RevenueAttributed") && t.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}")),
            TimeSpan.FromSeconds(30), "every request's trace through RevenueAttributed and the revenue read model", failOnTimeout: false);
        foreach (var trace in traces) TestContext.Out.WriteLine(trace);

        var spans = Exported();
        Assert.Multiple(() =>
        {
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName == "record attribution-record-checkout-completed"
                    && traceIds.All(id => s.TraceId == id || s.Links.Any(l => l.Context.TraceId == id))),
                "one recording batch holding every checkout, linking each request's trace");
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName == "project attribution_decisions"
                    && traceIds.All(id => s.TraceId == id || s.Links.Any(l => l.Context.TraceId == id))),
                "one page of the reactor deciding every checkout");
            foreach (var trace in traces)
            {
                var id = trace.TraceId;
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server), $"{id}: the HTTP POST");
                Assert.That(trace.OwnsPublishOf("CheckoutCompleted"), $"{id}: the gateway's publish");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer), $"{id}: the consume");
                Assert.That(trace.Reaches("record attribution-record-checkout-completed"), $"{id}: the recording batch");
                Assert.That(trace.Reaches("event_store append"), $"{id}: the append");
                Assert.That(trace.Reaches("project attribution_decisions"), $"{id}: the decision");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.OperationName == "publish RevenueAttributed"), $"{id}: the decision published in the request's own trace");
                Assert.That(trace.OwnsPublishOf("RevenueAttributed"), $"{id}: RevenueAttributed on the bus");
                Assert.That(trace.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}"), $"{id}: the read-model projection");
            }
        });
    }
}
