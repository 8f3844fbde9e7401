using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Attribution.LoadHarness;

/// <summary>
/// The broker's own ceiling on this machine: RabbitMQ.Client publishes N persistent messages of an
/// event's size with publisher confirms into a durable queue while a consumer (prefetch, acks)
/// drains it. The gateway and engine do the same work plus theirs, so this bounds them.
/// </summary>
public static class RawBroker
{
    public static async Task<Figure> PublishConfirmConsumeAsync(string rabbitUrl, int messages, int payloadBytes)
    {
        var consumed = 0;
        var allConsumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var queue = await DrainedQueue.OpenAsync(rabbitUrl, "load-harness-raw-", new Dictionary<string, object?>(), acked: () =>
        {
            if (Interlocked.Increment(ref consumed) == messages) allConsumed.TrySetResult();
        });

        var body = new byte[payloadBytes];
        Random.Shared.NextBytes(body);
        var clock = Stopwatch.StartNew();
        // Confirms are awaited per message; keep a window of them in flight, as MassTransit does.
        const int window = 500;
        for (var sent = 0; sent < messages; sent += window)
        {
            var n = Math.Min(window, messages - sent);
            var inFlight = new Task[n];
            for (var i = 0; i < n; i++) inFlight[i] = queue.PublishAsync(body);
            await Task.WhenAll(inFlight);
        }
        var published = clock.Elapsed;
        await allConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return new Figure("RabbitMQ.Client publish with confirms + consume", messages, clock.Elapsed.TotalSeconds,
            $"{payloadBytes}-byte persistent messages, durable queue, {window} confirms in flight, prefetch 1000; publishing alone took {published.TotalSeconds:0.00} s");
    }
}

/// <summary>
/// The broker's own confirm latency at a steady rate, with nothing of Attribution in the path:
/// RabbitMQ.Client publishes persistent messages one by one (open loop) into a fresh durable queue
/// that a consumer drains, and times each publish to its confirm. Run beside the gateway's steady
/// phase (or alone), it separates what the broker takes from what the gateway adds.
/// </summary>
public static class BrokerConfirmLatency
{
    public static async Task<Latency> MeasureAsync(string rabbitUrl, string queueType, int rate, TimeSpan duration)
    {
        var arguments = queueType switch
        {
            "quorum" => new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            "classic-v2" => new Dictionary<string, object?> { ["x-queue-version"] = 2 },
            _ => new Dictionary<string, object?>(),
        };
        await using var queue = await DrainedQueue.OpenAsync(rabbitUrl, "load-harness-confirm-", arguments, acked: () => { });

        var body = new byte[600];
        var samples = new List<double>();
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var total = (int)(rate * duration.TotalSeconds);
        for (var i = 0; i < total; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            inFlight.Add(Timed(queue.PublishAsync(body), Stopwatch.GetTimestamp(), samples));
        }
        await Task.WhenAll(inFlight);
        return Latency.Of(samples);
    }

    private static async Task Timed(Task publish, long started, List<double> samples)
    {
        await publish;
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (samples) samples.Add(ms);
    }
}

/// <summary>
/// A fresh durable queue of the harness's own, a channel that publishes persistent messages into it
/// with confirms tracked, and a consumer (prefetch 1,000) that acks every delivery; deleted on dispose.
/// </summary>
internal sealed class DrainedQueue : IAsyncDisposable
{
    private static readonly BasicProperties Persistent = new() { Persistent = true, ContentType = "application/json" };

    private readonly IConnection _connection;
    private readonly IChannel _publisher;
    private readonly IChannel _consumer;
    private readonly string _name;

    private DrainedQueue(IConnection connection, IChannel publisher, IChannel consumer, string name) =>
        (_connection, _publisher, _consumer, _name) = (connection, publisher, consumer, name);

    /// <param name="acked">Called after each delivery is acknowledged.</param>
    public static async Task<DrainedQueue> OpenAsync(string rabbitUrl, string namePrefix, IDictionary<string, object?> arguments, Action acked)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(rabbitUrl) }.CreateConnectionAsync();
        var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var consumerChannel = await connection.CreateChannelAsync();
        var queue = new DrainedQueue(connection, publisher, consumerChannel, namePrefix + Guid.NewGuid().ToString("N")[..8]);
        await publisher.QueueDeclareAsync(queue._name, durable: true, exclusive: false, autoDelete: false, arguments);
        await consumerChannel.BasicQosAsync(0, 1000, false);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            acked();
        };
        await consumerChannel.BasicConsumeAsync(queue._name, autoAck: false, consumer);
        return queue;
    }

    /// <summary>Completes when the broker confirmed the message.</summary>
    public Task PublishAsync(byte[] body) => _publisher.BasicPublishAsync("", _name, false, Persistent, body).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _publisher.QueueDeleteAsync(_name);
        await _consumer.DisposeAsync();
        await _publisher.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
