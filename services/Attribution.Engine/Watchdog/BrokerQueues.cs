using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using Attribution.ServiceDefaults.Messaging;
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

/// <summary>
/// Which consumers a named connection holds, per queue, from RabbitMQ's management HTTP API. AMQP only
/// tells a queue's total, so with two engines one whose bus never reconnected would go unseen while the
/// other consumes. The API names consumers by connection ("host:port -> host:port"); the connection list
/// maps that to the name the client gave (MassTransit's ConnectionName).
/// </summary>
public sealed class BrokerConsumers(HttpClient http, string virtualHost) : IDisposable
{
    /// <summary>The API of the broker in <paramref name="broker"/>, at <paramref name="managementUrl"/> or port 15672 of its host.</summary>
    public static BrokerConsumers For(RabbitMqAddress broker, Uri? managementUrl)
    {
        var http = new HttpClient
        {
            BaseAddress = managementUrl ?? new UriBuilder("http", broker.Host, 15672).Uri,
            Timeout = TimeSpan.FromSeconds(5),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        return new BrokerConsumers(http, broker.VirtualHost);
    }

    /// <summary>Queue name → consumers held by connections the client named <paramref name="connectionName"/>.</summary>
    /// <exception cref="HttpRequestException">The API cannot be asked (plugin off, no permission, unreachable).</exception>
    public async Task<IReadOnlyDictionary<string, uint>> OfConnectionAsync(string connectionName, CancellationToken ct)
    {
        var vhost = Uri.EscapeDataString(virtualHost);
        var connections = await http.GetFromJsonAsync<List<Connection>>($"api/vhosts/{vhost}/connections?columns=name,user_provided_name", ct) ?? [];
        var own = connections.Where(c => c.UserProvidedName == connectionName).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = await http.GetFromJsonAsync<List<Consumer>>($"api/consumers/{vhost}?columns=queue.name,channel_details.connection_name", ct) ?? [];
        return consumers.Where(c => own.Contains(c.Channel.ConnectionName))
            .GroupBy(c => c.Queue.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (uint)g.Count(), StringComparer.Ordinal);
    }

    public void Dispose() => http.Dispose();

    private sealed record Connection(string Name, [property: JsonPropertyName("user_provided_name")] string? UserProvidedName);

    private sealed record Consumer(QueueName Queue, [property: JsonPropertyName("channel_details")] ChannelDetails Channel);

    private sealed record QueueName(string Name);

    private sealed record ChannelDetails([property: JsonPropertyName("connection_name")] string ConnectionName);
}
