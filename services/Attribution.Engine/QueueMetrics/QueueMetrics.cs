using System.Diagnostics.Metrics;
using System.Text.Json;
using Attribution.Engine.Broker;
using Attribution.EventStore.Telemetry;
using Polly.Timeout;

namespace Attribution.Engine.QueueMetrics;

/// <summary>One queue's gauges.</summary>
/// <param name="Depth">Messages waiting for a consumer (ready).</param>
/// <param name="Unacknowledged">Messages delivered to a consumer and not yet acknowledged.</param>
/// <param name="LagSeconds">Age of the oldest waiting message, 0 when none waits; null when the broker cannot tell (no AMQP timestamp).</param>
public sealed record QueueReading(string Queue, long Depth, long Unacknowledged, long Consumers, double? LagSeconds)
{
    /// <summary>Pure: the readings of the watched queues among what the management API reported; queues not declared yet are left out.</summary>
    public static IReadOnlyList<QueueReading> Of(IEnumerable<QueueStatistics> queues, IReadOnlyCollection<string> watched, DateTimeOffset now) =>
        queues.Where(q => watched.Contains(q.Name))
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .Select(q => new QueueReading(q.Name, q.MessagesReady, q.MessagesUnacknowledged, q.Consumers, LagOf(q, now)))
            .ToList();

    private static double? LagOf(QueueStatistics q, DateTimeOffset now) =>
        q.MessagesReady == 0 ? 0
        : q.HeadMessageTimestamp is { } sent ? Math.Max(0, (now - DateTimeOffset.FromUnixTimeSeconds(sent)).TotalSeconds)
        : null;
}

/// <summary>
/// The engine's queues as the broker sees them, as gauges an operator charts: messages waiting,
/// delivered but unacknowledged, consumers, and consumer lag (the age of the oldest waiting
/// message). Read from RabbitMQ's management API when metrics are collected, at most once per
/// <see cref="Reuse"/> (a scrape every second still asks the broker every 5 s); a broker that cannot
/// be asked pauses the series rather than repeating stale figures.
/// </summary>
public sealed class QueueMetricsReporter(
    RabbitMqManagementApi api, IReadOnlyCollection<string> queues, TimeProvider clock, ILogger<QueueMetricsReporter> logger) : IHostedService, IDisposable
{
    public static readonly TimeSpan Reuse = TimeSpan.FromSeconds(5);

    private readonly ThrottledReading<QueueReading> _reading = new(Reuse, () => QueueReading.Of(api.Queues(), queues, clock.GetUtcNow()),
        ex => ex is HttpRequestException or TaskCanceledException or JsonException or TimeoutRejectedException,
        (ex, again) =>
        {
            if (!again)
                logger.LogWarning(ex, "Could not read the queues from RabbitMQ's management API for metrics (plugin off, wrong Broker__ManagementUrl, or a user without the management tag); logged once until it answers again");
        });
    private Meter? _meter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A meter of this instance's own, so a stopped engine (or one of several in a test process) stops being asked.
        _meter = new Meter(EngineTelemetry.Name);
        _meter.CreateObservableGauge("attribution.queue.depth", () => Read().Select(r => new Measurement<long>(r.Depth, Tag(r))),
            "{message}", "Messages waiting in the queue for a consumer");
        _meter.CreateObservableGauge("attribution.queue.unacknowledged", () => Read().Select(r => new Measurement<long>(r.Unacknowledged, Tag(r))),
            "{message}", "Messages delivered to consumers and not yet acknowledged (in a batch being recorded)");
        _meter.CreateObservableGauge("attribution.queue.consumers", () => Read().Select(r => new Measurement<long>(r.Consumers, Tag(r))),
            "{consumer}", "Consumers of the queue, of every engine");
        _meter.CreateObservableGauge("attribution.consumer.lag",
            () => Read().Where(r => r.LagSeconds is not null).Select(r => new Measurement<double>(r.LagSeconds!.Value, Tag(r))),
            "s", "Age of the oldest message waiting in the queue, 0 when none waits");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meter?.Dispose();
        _meter = null;
    }

    private static KeyValuePair<string, object?> Tag(QueueReading r) => new("queue", r.Queue);

    // The four gauges of one collection share a reading, and so do collections within Reuse.
    private IReadOnlyList<QueueReading> Read() => _reading.Get();
}
