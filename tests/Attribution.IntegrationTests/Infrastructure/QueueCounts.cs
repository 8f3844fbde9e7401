using Attribution.Engine.Watchdog;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>A queue's counts as the broker sees them; a queue not declared yet counts as empty and unconsumed.</summary>
public static class QueueCounts
{
    public static async Task<uint> MessagesAsync(IConnection connection, string queue) =>
        (await BrokerQueues.SampleAsync(connection, queue))?.Messages ?? 0;

    public static async Task<uint> ConsumersAsync(IConnection connection, string queue) =>
        (await BrokerQueues.SampleAsync(connection, queue))?.Consumers ?? 0;
}
