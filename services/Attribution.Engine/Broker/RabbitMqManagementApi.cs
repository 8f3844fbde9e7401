using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Attribution.Engine.Watchdog;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Attribution.Engine.Broker;

/// <summary>
/// RabbitMQ's management HTTP API for the engine's virtual host, at <c>Watchdog__ManagementUrl</c> or
/// port 15672 of the broker's host, with the credentials of <c>RABBITMQ_URL</c>. Its HttpClient comes
/// from IHttpClientFactory (a named client), so the engine's singletons never hold a handler for good,
/// with Microsoft.Extensions.Http.Resilience's retry and per-attempt timeout.
/// </summary>
/// <exception cref="HttpRequestException">From every call: the API cannot be asked (plugin off, no permission, unreachable).</exception>
public sealed class RabbitMqManagementApi(IHttpClientFactory clients, AttributionSettings settings)
{
    public const string ClientName = "rabbitmq-management";

    private readonly string _vhost = Uri.EscapeDataString(RabbitMqAddress.Parse(settings.RabbitMqUrl).VirtualHost);

    /// <summary>What the broker says of every queue of the virtual host. Synchronous: metric collection callbacks are.</summary>
    public IReadOnlyList<QueueStatistics> Queues()
    {
        using var http = clients.CreateClient(ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"api/queues/{_vhost}?columns=name,messages,messages_ready,messages_unacknowledged,consumers,head_message_timestamp");
        using var response = http.Send(request);
        response.EnsureSuccessStatusCode();
        using var body = response.Content.ReadAsStream();
        return JsonSerializer.Deserialize<List<QueueStatistics>>(body, JsonSerializerOptions.Web) ?? [];
    }

    /// <summary>
    /// Queue name → consumers held by connections the client named <paramref name="connectionName"/>. AMQP only
    /// tells a queue's total, so with two engines one whose bus never reconnected would go unseen while the
    /// other consumes. The API names consumers by connection ("host:port -> host:port"); the connection list
    /// maps that to the name the client gave (MassTransit's ConnectionName).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, uint>> ConsumersOfConnectionAsync(string connectionName, CancellationToken ct)
    {
        using var http = clients.CreateClient(ClientName);
        var connections = await http.GetFromJsonAsync<List<Connection>>($"api/vhosts/{_vhost}/connections?columns=name,user_provided_name", ct) ?? [];
        var own = connections.Where(c => c.UserProvidedName == connectionName).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var consumers = await http.GetFromJsonAsync<List<Consumer>>($"api/consumers/{_vhost}?columns=queue.name,channel_details.connection_name", ct) ?? [];
        return consumers.Where(c => own.Contains(c.Channel.ConnectionName))
            .GroupBy(c => c.Queue.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (uint)g.Count(), StringComparer.Ordinal);
    }

    private sealed record Connection(string Name, [property: JsonPropertyName("user_provided_name")] string? UserProvidedName);

    private sealed record Consumer(QueueName Queue, [property: JsonPropertyName("channel_details")] ChannelDetails Channel);

    private sealed record QueueName(string Name);

    private sealed record ChannelDetails([property: JsonPropertyName("connection_name")] string ConnectionName);
}

/// <summary>One queue as the management API reports it.</summary>
/// <param name="HeadMessageTimestamp">The AMQP timestamp (Unix seconds) of the first message waiting; null when none waits or it carries none.</param>
public sealed record QueueStatistics(
    string Name,
    long Messages,
    [property: JsonPropertyName("messages_ready")] long MessagesReady,
    [property: JsonPropertyName("messages_unacknowledged")] long MessagesUnacknowledged,
    long Consumers,
    [property: JsonPropertyName("head_message_timestamp")] long? HeadMessageTimestamp);

public static class RabbitMqManagementApiRegistration
{
    /// <summary>The management API's named HttpClient and <see cref="RabbitMqManagementApi"/>.</summary>
    public static IServiceCollection AddRabbitMqManagementApi(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(RabbitMqManagementApi))) return services; // the watchdog's and the metrics' one
        services.AddHttpClient(RabbitMqManagementApi.ClientName, (sp, http) =>
        {
            var broker = RabbitMqAddress.Parse(sp.GetRequiredService<AttributionSettings>().RabbitMqUrl);
            http.BaseAddress = sp.GetService<ConsumerWatchdogOptions>()?.ManagementUrl ?? new UriBuilder("http", broker.Host, 15672).Uri;
            http.Timeout = TimeSpan.FromSeconds(5);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
        })
        // A dropped connection or a 5xx while the broker restarts is tried again briefly; the
        // client's 5 s timeout still bounds the whole call (a metrics scrape waits on it).
        .AddResilienceHandler(RabbitMqManagementApi.ClientName, pipeline => pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(TimeSpan.FromSeconds(2)));
        services.AddSingleton<RabbitMqManagementApi>();
        return services;
    }
}
