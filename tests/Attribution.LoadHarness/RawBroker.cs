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
