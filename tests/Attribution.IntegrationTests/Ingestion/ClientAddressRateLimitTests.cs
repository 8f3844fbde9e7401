using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// Calls that are not (yet) known to be a company's draw from their client address's bucket, and a
/// company's Shopify webhooks from the bucket of that company and client address: with a tiny rate,
/// one flood is answered 429 with Retry-After while another address or company goes on. Clients
/// connect from different loopback addresses (127.0.0.x) to get different peers.
/// </summary>
[NonParallelizable]
public sealed class ClientAddressRateLimitTests
{
    private const string WebhookSecret = "shpss_rate_limit_secret";
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync(engines: 0, new Dictionary<string, string?>
    {
        ["ATTRIBUTION_INGESTION_RATE_PER_SECOND"] = "1",
        ["ATTRIBUTION_INGESTION_BURST"] = "3",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task A_flood_without_a_known_key_from_one_address_does_not_429_another_address()
    {
        using var flooding = ClientFrom("127.0.0.2");
        using var elsewhere = ClientFrom("127.0.0.3");

        var limited = await FloodAsync(i => Unauthenticated(flooding, i % 2 == 0 ? null : $"ck_made_up_{i}"), HttpStatusCode.Unauthorized);
        Assert.That(limited.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        limited.Dispose();

        using (var madeUp = await Unauthenticated(flooding, "ck_another_made_up_key"))
            Assert.That(madeUp.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), "a made-up key gets no bucket of its own");
        using (var other = await Unauthenticated(elsewhere, null))
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another address has its own bucket");
    }

    [Test]
    public async Task A_flood_at_one_company_webhook_does_not_429_another_company_webhook_or_its_own_from_elsewhere()
    {
        var flooded = await CreateShopAsync("Flooded shop");
        var quiet = await CreateShopAsync("Quiet shop");
        using var elsewhere = ClientFrom("127.0.0.4");

        var limited = await FloodAsync(_ => DeliverAsync(_system.Http, flooded), HttpStatusCode.OK);
        Assert.That(limited.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        limited.Dispose();

        using (var other = await DeliverAsync(_system.Http, quiet))
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another company's webhook from the same address");
        using (var fromElsewhere = await DeliverAsync(elsewhere, flooded))
            Assert.That(fromElsewhere.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the flooded company's webhook from another address");
    }

    /// <summary>Sends until a 429 (every answer before it <paramref name="before"/>) and returns the 429.</summary>
    private static async Task<HttpResponseMessage> FloodAsync(Func<int, Task<HttpResponseMessage>> send, HttpStatusCode before)
    {
        for (var i = 0; i < 20; i++)
        {
            var response = await send(i);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) return response;
            using (response) Assert.That(response.StatusCode, Is.EqualTo(before), await response.Content.ReadAsStringAsync());
        }
        Assert.Fail("20 requests at a rate of 1/s with a burst of 3 were never answered 429");
        return null!;
    }

    private static async Task<HttpResponseMessage> Unauthenticated(HttpClient client, string? companyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/cart") { Content = JsonContent.Create(Cart()) };
        if (companyKey is not null) request.Headers.Add("X-Company-Key", companyKey);
        return await client.SendAsync(request);
    }

    private async Task<TestCompany> CreateShopAsync(string name)
    {
        using var response = await _system.AdminAsync(HttpMethod.Post, "/v1/admin/companies",
            new { name, reportingCurrency = "USD", shopifyWebhookSecret = WebhookSecret });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new TestCompany(created.GetProperty("companyKey").GetString()!, created.GetProperty("apiSecret").GetString()!, _system.Http);
    }

    /// <summary>A correctly signed refunds/create delivery that returns no money: answered 200, nothing published.</summary>
    private static async Task<HttpResponseMessage> DeliverAsync(HttpClient client, TestCompany company)
    {
        const string payload = """{ "id": 509562969, "order_id": 450789469, "transactions": [] }""";
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/shopify/{company.CompanyKey}/refunds-create")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Shopify-Hmac-Sha256",
            Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes(payload))));
        return await client.SendAsync(request);
    }

    /// <summary>A client of the gateway whose connections come from <paramref name="localAddress"/> (any 127.0.0.x is this host).</summary>
    private HttpClient ClientFrom(string localAddress) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = _system.Http.BaseAddress };
}
