using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Attribution.ServiceDefaults.Messaging;

namespace Attribution.LoadHarness;

/// <summary>
/// How many broker messages carried the ingested events, as the broker counts them: the publish
/// counters of the ingestion exchanges (one per message type, <c>EventBatchReceived</c> among them)
/// from RabbitMQ's management API. The API refreshes its statistics every few seconds, so a reading
/// first waits out one refresh.
/// </summary>
public sealed class BrokerMessages : IDisposable
{
    private static readonly string[] Exchanges =
        [.. new[] { "CartEventReceived", "CheckoutCompleted", "InteractionRecorded", "RefundRecorded", "EventBatchReceived" }
            .Select(t => "Attribution.Contracts.Ingestion:" + t)];

    // RabbitMQ's default collect_statistics_interval is 5 s.
    private static readonly TimeSpan StatisticsRefresh = TimeSpan.FromSeconds(6);

    private readonly HttpClient _http;
    private readonly string _vhost;

    public BrokerMessages(string rabbitUrl, Uri? managementUrl)
    {
        var broker = RabbitMqAddress.Parse(rabbitUrl);
        _vhost = Uri.EscapeDataString(broker.VirtualHost);
        _http = new HttpClient { BaseAddress = managementUrl ?? new UriBuilder("http", broker.Host, 15672).Uri, Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{broker.Username}:{broker.Password}")));
    }

    /// <summary>Messages published into the ingestion exchanges so far; null when the management API cannot be asked.</summary>
    public async Task<long?> PublishedAsync()
    {
        await Task.Delay(StatisticsRefresh);
        try
        {
            long total = 0;
            foreach (var exchange in Exchanges)
            {
                using var response = await _http.GetAsync($"api/exchanges/{_vhost}/{Uri.EscapeDataString(exchange)}?columns=message_stats.publish_in");
                if (response.StatusCode == HttpStatusCode.NotFound) continue; // never published to: no exchange yet
                response.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                // An exchange nothing went through yet answers [] instead of an object.
                if (body.RootElement.ValueKind == JsonValueKind.Object
                    && body.RootElement.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object
                    && stats.TryGetProperty("publish_in", out var published))
                    total += published.GetInt64();
            }
            return total;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The figure for a phase: messages per accepted event, and the counts it came from.</summary>
    public static string PerEvent(long? before, long? after, long accepted) =>
        before is null || after is null || accepted == 0
            ? "not measured (management API unavailable)"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{(double)(after.Value - before.Value) / accepted:0.000} ({after.Value - before.Value:N0} messages for {accepted:N0} events)");

    public void Dispose() => _http.Dispose();
}
