using RabbitMQ.Client;

namespace Attribution.Engine.Watchdog;

/// <summary>What the broker itself says of a queue, asked over plain RabbitMQ.Client (not MassTransit).</summary>
public static class BrokerQueues
{
    /// <summary>Messages and consumers of <paramref name="queue"/>; null when it is not declared (yet).</summary>
    public static async Task<QueueSample?> SampleAsync(IConnection connection, string queue, CancellationToken ct = default)
    {
        // A passive declare of a missing queue closes its channel: one channel per look.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue, ct);
            return new QueueSample(queue, ok.MessageCount, ok.ConsumerCount);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }
}
