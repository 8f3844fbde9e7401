using System.Diagnostics;
using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// Several requests that the engine records in one batch, and projects in one page, each keep a
/// whole trace, with coalescing on as deployed: the batch's span links every event's trace, each
/// event keeps its own request's trace (a coalesced message names each entry's), and each decision
/// its own event's. Exported through the OpenTelemetry SDK (in-memory here).
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
        // The default linger: concurrent requests may share a message or travel alone.
        _system = await RunningSystem.StartAsync(engines: 0,
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
        await QualifyChatsAsync(company, visitors, "running shoes for flat feet?");
        await Poll.UntilAsync(() => StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), n => n == 2 * Requests,
            TimeSpan.FromSeconds(30), "the chats recorded");

        // No engine consumes while the checkouts arrive: they wait in their queue, and the engine
        // started afterwards takes them all in its first batch.
        await _system.StopEngineAsync(_engine);
        var traceIds = await Task.WhenAll(visitors.Select(v => PostCheckoutInOwnTraceAsync(company, v.Fingerprint, 50m)));
        Assert.That(traceIds.Distinct().Count(), Is.EqualTo(Requests), "one trace per request");
        _engine = await _system.StartEngineAsync();

        var traces = await Poll.UntilAsync(() => Task.FromResult(traceIds.Select(id => new ExportedTrace(Exported(), id)).ToList()),
            all => all.All(t => t.OwnsPublishOf("RevenueAttributed") && t.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}")),
            TimeSpan.FromSeconds(30), "every request's trace through RevenueAttributed and the revenue read model", failOnTimeout: false);
        foreach (var trace in traces) TestContext.Out.WriteLine(trace);

        var spans = Exported();
        Assert.Multiple(() =>
        {
            // Alone or coalesced, the waiting checkouts are recorded together, not one by one.
            Assert.That(spans, Has.Some.Matches<Activity>(s => s.OperationName.StartsWith("record attribution-record-", StringComparison.Ordinal)
                    && traceIds.Count(id => s.TraceId == id || s.Links.Any(l => l.Context.TraceId == id)) >= 2),
                "a recording batch holding several checkouts, linking each one's request trace");
            foreach (var trace in traces)
            {
                var id = trace.TraceId;
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server), $"{id}: the HTTP POST");
                Assert.That(trace.OwnsPublishOf("CheckoutCompleted") || trace.OwnsEntryPublish(), $"{id}: the gateway's publish, alone or as an entry of a shared message");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.Kind == ActivityKind.Consumer), $"{id}: the consume");
                Assert.That(trace.Reaches("record attribution-record-"), $"{id}: the recording batch");
                Assert.That(trace.Reaches("event_store append"), $"{id}: the append");
                Assert.That(trace.Reaches("project attribution_decisions"), $"{id}: the decision");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.OperationName == "publish RevenueAttributed"), $"{id}: the decision published in the request's own trace");
                Assert.That(trace.OwnsPublishOf("RevenueAttributed"), $"{id}: RevenueAttributed on the bus");
                Assert.That(trace.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}"), $"{id}: the read-model projection");
            }
        });
    }

    [Test]
    public async Task Concurrent_single_events_sharing_one_message_each_keep_their_whole_trace()
    {
        var company = await _system.CreateCompanyAsync("Coalesced traces");
        var visitors = Enumerable.Range(0, 2).Select(i => (Fingerprint: $"fp_{i}_{Guid.NewGuid():N}", Conversation: $"conv_{i}_{Guid.NewGuid():N}")).ToList();
        await QualifyChatsAsync(company, visitors, "a rain jacket that packs small?");
        await Poll.UntilAsync(() => StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), n => n == 4,
            TimeSpan.FromSeconds(30), "the chats recorded");

        // Two checkouts at once share one message within the linger; tried again with fresh
        // visitors' orders if the scheduler happened to send them apart.
        ActivityTraceId[] traceIds = [];
        for (var attempt = 0; attempt < 10 && traceIds.Length == 0; attempt++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var posts = visitors.Select(async v =>
            {
                await started.Task;
                return await PostCheckoutInOwnTraceAsync(company, v.Fingerprint, 30m);
            }).ToList();
            started.SetResult();
            var ids = await Task.WhenAll(posts);
            var shared = await Poll.UntilAsync(() => Task.FromResult(SharedPublish(ids)), s => s is not null,
                TimeSpan.FromSeconds(2), "the publish spans exported", failOnTimeout: false);
            if (shared is not null) traceIds = ids;
        }
        Assert.That(traceIds, Has.Length.EqualTo(2), "two concurrent checkouts shared one EventBatchReceived");

        var traces = await Poll.UntilAsync(() => Task.FromResult(traceIds.Select(id => new ExportedTrace(Exported(), id)).ToList()),
            all => all.All(t => t.OwnsPublishOf("RevenueAttributed") && t.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}")),
            TimeSpan.FromSeconds(30), "each request's own trace through RevenueAttributed and the revenue read model", failOnTimeout: false);
        foreach (var trace in traces) TestContext.Out.WriteLine(trace);

        Assert.Multiple(() =>
        {
            foreach (var trace in traces)
            {
                var id = trace.TraceId;
                // Its own trace up to the consume and from the decision on; the batch spans in between link it.
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server), $"{id}: the HTTP POST");
                Assert.That(trace.OwnsEntryPublish(), $"{id}: its entry's publish in the shared message");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.OperationName == "consume attribution-record-event-batch-received" && s.Kind == ActivityKind.Consumer), $"{id}: its entry consumed");
                Assert.That(trace.Reaches("record attribution-record-event-batch-received"), $"{id}: the recording batch");
                Assert.That(trace.Reaches("event_store append"), $"{id}: the append");
                Assert.That(trace.Reaches("project attribution_decisions"), $"{id}: the decision");
                Assert.That(trace.Own, Has.Some.Matches<Activity>(s => s.OperationName == "publish RevenueAttributed"), $"{id}: the decision published in the request's own trace");
                Assert.That(trace.OwnsPublishOf("RevenueAttributed"), $"{id}: RevenueAttributed on the bus");
                Assert.That(trace.Reaches($"project {Attribution.EventStore.Projections.ProjectionNames.Revenue}"), $"{id}: the read-model projection");
            }
        });
    }

    // Each visitor's chat qualifies first (a shopper message and a helpful answer), so each checkout is attributed.
    private static async Task QualifyChatsAsync(TestCompany company, IEnumerable<(string Fingerprint, string Conversation)> visitors, string text)
    {
        foreach (var (fingerprint, conversation) in visitors)
        {
            using (var asked = await company.PostAsServerAsync("/v1/events/interactions", new
            {
                userFingerprint = fingerprint, channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId = conversation, text,
            }))
                Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            using (var answered = await company.PostAsServerAsync("/v1/events/interactions", new
            {
                userFingerprint = fingerprint, channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId = conversation, helpful = true,
            }))
                Assert.That(answered.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
    }

    // Each request is a trace of its own: a storefront span with a fresh trace id, which HttpClient propagates.
    private static async Task<ActivityTraceId> PostCheckoutInOwnTraceAsync(TestCompany company, string fingerprint, decimal value)
    {
        var root = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using var storefront = Client.StartActivity("storefront posts a checkout", ActivityKind.Client, root)!;
        using var response = await company.PostAsBrowserAsync("/v1/events/checkout", new
        {
            userFingerprint = fingerprint, orderId = "ORDER-" + Guid.NewGuid().ToString("N"), value, currency = "USD",
        });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return storefront.TraceId;
    }

    // The gateway's shared publish of one EventBatchReceived that linked every one of these requests.
    private Activity? SharedPublish(IReadOnlyList<ActivityTraceId> ids) =>
        Exported().FirstOrDefault(s => s.OperationName == "publish coalesced" && ids.All(id => s.Links.Any(l => l.Context.TraceId == id)));
}
