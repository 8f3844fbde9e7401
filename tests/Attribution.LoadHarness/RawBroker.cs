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
        var factory = new ConnectionFactory { Uri = new Uri(rabbitUrl) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await using var consumerChannel = await connection.CreateChannelAsync();
        var queue = "load-harness-raw-" + Guid.NewGuid().ToString("N")[..8];
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        try
        {
            await consumerChannel.BasicQosAsync(0, 1000, false);
            var consumed = 0;
            var allConsumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (Interlocked.Increment(ref consumed) == messages) allConsumed.TrySetResult();
            };
            await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

            var body = new byte[payloadBytes];
            Random.Shared.NextBytes(body);
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
            var clock = Stopwatch.StartNew();
            // Confirms are awaited per message; keep a window of them in flight, as MassTransit does.
            const int window = 500;
            for (var sent = 0; sent < messages; sent += window)
            {
                var n = Math.Min(window, messages - sent);
                var inFlight = new Task[n];
                for (var i = 0; i < n; i++) inFlight[i] = publisher.BasicPublishAsync("", queue, false, properties, body).AsTask();
                await Task.WhenAll(inFlight);
            }
            var published = clock.Elapsed;
            await allConsumed.Task.WaitAsync(TimeSpan.FromMinutes(5));
            return new Figure("RabbitMQ.Client publish with confirms + consume", messages, clock.Elapsed.TotalSeconds,
                $"{payloadBytes}-byte persistent messages, durable queue, {window} confirms in flight, prefetch 1000; publishing alone took {published.TotalSeconds:0.00} s");
        }
        finally
        {
            await publisher.QueueDeleteAsync(queue);
        }
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
        var factory = new ConnectionFactory { Uri = new Uri(rabbitUrl) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await using var consumerChannel = await connection.CreateChannelAsync();
        var queue = "load-harness-confirm-" + Guid.NewGuid().ToString("N")[..8];
        var arguments = queueType switch
        {
            "quorum" => new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            "classic-v2" => new Dictionary<string, object?> { ["x-queue-version"] = 2 },
            _ => new Dictionary<string, object?>(),
        };
        await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments);
        try
        {
            await consumerChannel.BasicQosAsync(0, 1000, false);
            var consumer = new AsyncEventingBasicConsumer(consumerChannel);
            consumer.ReceivedAsync += (_, delivery) => consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false).AsTask();
            await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

            var body = new byte[600];
            var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
            var samples = new List<double>();
            var inFlight = new List<Task>();
            var clock = Stopwatch.StartNew();
            var total = (int)(rate * duration.TotalSeconds);
            for (var i = 0; i < total; i++)
            {
                var wait = TimeSpan.FromSeconds((double)i / rate) - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var started = Stopwatch.GetTimestamp();
                inFlight.Add(Timed(publisher.BasicPublishAsync("", queue, false, properties, body).AsTask(), started, samples));
            }
            await Task.WhenAll(inFlight);
            return Latency.Of(samples);
        }
        finally
        {
            await publisher.QueueDeleteAsync(queue);
        }
    }

    private static async Task Timed(Task publish, long started, List<double> samples)
    {
        await publish;
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (samples) samples.Add(ms);
    }
}
