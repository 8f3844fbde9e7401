using System.Net;
using Attribution.Engine.Broker;
using Attribution.Engine.QueueMetrics;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Infrastructure.MetricsScrape;
using Microsoft.Extensions.Hosting;

namespace Attribution.IntegrationTests.Telemetry;

/// <summary>
/// The engine's queue gauges against the real broker: messages waiting while no engine consumes show as
/// depth and lag (so the published messages carry the timestamp the broker needs), and once an engine
/// consumes them its /metrics shows every queue drained, consumed, and without lag.
/// </summary>
[NonParallelizable]
public sealed class QueueMetricsTests
{
    private const string CartQueue = "attribution-record-cart-event-received";
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync(engines: 1);

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task Waiting_messages_show_as_depth_and_lag_and_drain_once_an_engine_consumes_them()
    {
        var company = await _system.CreateCompanyAsync("Queue metrics");
        using var engineServices = RunningSystem.BuildEngine();
        var api = engineServices.Services.GetRequiredService<RabbitMqManagementApi>();
        var queues = Attribution.Engine.EngineRegistration.ConsumedQueues;

        // Other tests of the run may have dead-lettered a message here already (a poison message).
        var deadLettersBefore = api.Queues().FirstOrDefault(q => q.Name == CartQueue + "_error")?.MessagesReady ?? 0;

        // The fixture's engine declared the queues; without it the events wait there.
        await StopEnginesAsync();
        for (var i = 0; i < 3; i++)
        {
            using var accepted = await company.PostAsBrowserAsync("/v1/events/cart", new
            {
                userFingerprint = "fp_q", type = "ITEM_ADDED", productId = "SKU-1", productName = "Shoes", value = 10m, currency = "USD", quantity = 1,
            });
            Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        // The management API refreshes its figures every few seconds, the head message's timestamp
        // not always in the same refresh as the depth.
        var waiting = await Poll.UntilAsync(() => Task.FromResult(QueueReading.Of(api.Queues(), queues, DateTimeOffset.UtcNow).Single(r => r.Queue == CartQueue)),
            // A consumer another fixture of the run just closed may still be counted for a moment.
            r => r.Depth == 3 && r.Consumers == 0 && r.LagSeconds is not null, TimeSpan.FromSeconds(30),
            "the three cart events waiting in their queue, nobody consuming, with the head's timestamp", failOnTimeout: false);
        Assert.Multiple(() =>
        {
            Assert.That(waiting.Consumers, Is.Zero, "nobody consumes");
            Assert.That(waiting.LagSeconds, Is.Not.Null.And.InRange(0, 60), "the age of the oldest waiting message, from its timestamp");
        });

        var metricsUrl = $"http://127.0.0.1:{FreePort()}/";
        await _system.StartEngineAsync(settings: new Dictionary<string, string?> { ["Metrics:ListenUrl"] = metricsUrl });
        using var scraper = new HttpClient { BaseAddress = new Uri(metricsUrl) };
        var text = await Poll.UntilAsync(() => ScrapeAsync(scraper),
            t => queues.All(q => Gauge(t, "attribution_queue_depth", q) == 0 && Gauge(t, "attribution_queue_consumers", q) >= 1),
            TimeSpan.FromSeconds(45), "the engine's /metrics with every queue drained and consumed", failOnTimeout: false);
        TestContext.Out.WriteLine(string.Join("\n", text.Split('\n').Where(l => l.StartsWith("attribution_queue", StringComparison.Ordinal)
            || l.StartsWith("attribution_consumer", StringComparison.Ordinal))));
        Assert.Multiple(() =>
        {
            foreach (var queue in queues)
            {
                Assert.That(Gauge(text, "attribution_queue_depth", queue), Is.EqualTo(0), $"{queue}: nothing waiting");
                Assert.That(Gauge(text, "attribution_queue_unacknowledged", queue), Is.Not.Null.And.GreaterThanOrEqualTo(0), $"{queue}: unacknowledged");
                Assert.That(Gauge(text, "attribution_queue_consumers", queue), Is.GreaterThanOrEqualTo(1), $"{queue}: consumed");
                Assert.That(Gauge(text, "attribution_consumer_lag_seconds", queue), Is.EqualTo(0), $"{queue}: no lag");
            }
            Assert.That(Gauge(text, "attribution_queue_depth", CartQueue + "_error"), Is.Null.Or.EqualTo(deadLettersBefore), "no new dead letters");
        });
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(3), "the waiting events recorded");
    }

    private async Task StopEnginesAsync()
    {
        foreach (var engine in _system.Engines.ToList()) await _system.StopEngineAsync(engine);
    }

    /// <summary>The queue's value of a gauge, or null when it has no series.</summary>
    private static double? Gauge(string text, string metric, string queue) => MetricsScrape.Gauge(text, metric, $"queue=\"{queue}\"");
}
