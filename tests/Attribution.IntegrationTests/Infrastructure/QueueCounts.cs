using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>A queue's counts as the broker itself says them (plain RabbitMQ.Client); a queue not declared yet counts as empty and unconsumed.</summary>
public static class QueueCounts
{
    public static async Task<uint> MessagesAsync(IConnection connection, string queue) => (await SampleAsync(connection, queue)).Messages;

    public static async Task<uint> ConsumersAsync(IConnection connection, string queue) => (await SampleAsync(connection, queue)).Consumers;

    private static async Task<(uint Messages, uint Consumers)> SampleAsync(IConnection connection, string queue)
    {
        // A passive declare of a missing queue closes its channel: one channel per look.
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var ok = await channel.QueueDeclarePassiveAsync(queue);
            return (ok.MessageCount, ok.ConsumerCount);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return (0, 0);
        }
    }
}
