using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Attribution.Engine.Broker;

/// <summary>
/// RabbitMQ's management HTTP API for the engine's virtual host, at <c>Broker__ManagementUrl</c> or
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
    /// <summary>Where the management API answers (<c>Broker__ManagementUrl</c>); unset: port 15672 of RABBITMQ_URL's host.</summary>
    public const string ManagementUrlKey = "Broker:ManagementUrl";

    /// <summary>The management API's named HttpClient and <see cref="RabbitMqManagementApi"/>.</summary>
    public static IServiceCollection AddRabbitMqManagementApi(this IServiceCollection services)
    {
        services.AddHttpClient(RabbitMqManagementApi.ClientName, (sp, http) =>
        {
            var broker = RabbitMqAddress.Parse(sp.GetRequiredService<AttributionSettings>().RabbitMqUrl);
            http.BaseAddress = sp.GetRequiredService<IConfiguration>().GetValue<Uri?>(ManagementUrlKey) ?? new UriBuilder("http", broker.Host, 15672).Uri;
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
