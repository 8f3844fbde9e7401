using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Security;

/// <summary>
/// Tenant isolation on every read and write endpoint: company B's credentials never see, change or
/// erase anything of company A, even when B names A's ids, fingerprints or key. Plus Kestrel's
/// slow-client limit. (Request-size and rate limits: Ingestion/IngestionContractTests and RateLimitTests.)
/// </summary>
[NonParallelizable]
public sealed class TenantIsolationTests
{
    private const string Fingerprint = "fp_isolated_a";
    private const string OrderId = "iso-order-a";
    private const string ConversationId = "iso-chat-a";

    private RunningSystem _system = null!;
    private TestCompany _a = null!;
    private TestCompany _b = null!;
    private Guid _checkoutId;
    private string _replayId = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _a = await _system.CreateCompanyAsync("Company A");
        _b = await _system.CreateCompanyAsync("Company B");
        var now = DateTimeOffset.UtcNow;
        string At(double hoursAgo) => WireTime.Of(now - TimeSpan.FromHours(hoursAgo));
        using var batch = await _a.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = Fingerprint, channel = "CHAT", conversationId = ConversationId, variant = "A", text = "Which shoes for trails?", occurredAt = At(3) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = Fingerprint, channel = "CHAT", conversationId = ConversationId, variant = "A", helpful = true, occurredAt = At(2.9) },
                new { kind = "cart", userFingerprint = Fingerprint, type = "ITEM_ADDED", productId = "SKU-ISO-A", productName = "Isolated Shoe", value = 123.45m, currency = "USD", quantity = 1, occurredAt = At(2.5) },
                new { kind = "checkout", userFingerprint = Fingerprint, orderId = OrderId, value = 123.45m, currency = "USD", occurredAt = At(2),
                      lineItems = new[] { new { productId = "SKU-ISO-A", productName = "Isolated Shoe", quantity = 1, value = 123.45m, currency = "USD" } } },
            },
        });
        var results = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        _checkoutId = results[3].GetProperty("eventId").GetGuid();
        await StoredEvents.WaitForAsync(results.Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "A's journey stored");
        await Projections.WaitForNonStaleAsync();
        var replay = await _a.ReplayAsync();
        Assert.That(replay.GetProperty("status").GetString(), Is.EqualTo("completed"));
        _replayId = replay.GetProperty("replayId").GetString()!;
        await Projections.WaitForNonStaleAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static readonly string[] Reads =
    [
        $"/v1/visitors/{Fingerprint}/cart", "/v1/attribution/events/{checkout}", $"/v1/attribution/orders/{OrderId}",
        $"/v1/conversations/{ConversationId}/revenue", "/v1/revenue/summary", "/v1/revenue/products", "/v1/revenue/variants",
        "/v1/revenue/cart-gmv/daily", "/v1/data-quality", "/v1/replay/{replay}", "/v1/company",
    ];

    [TestCaseSource(nameof(Reads))]
    public async Task Every_read_with_another_companys_secret_shows_none_of_its_data(string template)
    {
        var path = template.Replace("{checkout}", _checkoutId.ToString(), StringComparison.Ordinal).Replace("{replay}", _replayId, StringComparison.Ordinal);
        var asA = await BodyAsync(_a, path);
        Assert.That(asA.Status, Is.EqualTo(HttpStatusCode.OK), $"A reads its own {path}");
        var asB = await BodyAsync(_b, path);
        Assert.Multiple(() =>
        {
            Assert.That(asB.Status, Is.AnyOf(HttpStatusCode.OK, HttpStatusCode.NotFound), asB.Body);
            // What B put in the address may come back (a 404 names what was not found); nothing else of A's may.
            foreach (var secret in new[] { "123.45", "SKU-ISO-A", OrderId, Fingerprint, ConversationId, _a.CompanyKey, "Company A" }.Where(s => !path.Contains(s, StringComparison.Ordinal)))
                Assert.That(asB.Body, Does.Not.Contain(secret), $"B's answer to {path} names A's data");
        });
    }

    [Test]
    public async Task Writes_land_in_the_callers_company_whatever_the_body_says_and_erasure_cannot_reach_across()
    {
        var eventId = Guid.NewGuid();
        using (var posted = await _b.PostAsBrowserAsync("/v1/events/cart", new
        {
            eventId, companyKey = _a.CompanyKey, userFingerprint = Fingerprint, type = "ITEM_ADDED", productId = "SKU-B", productName = "B shoe",
            value = 10m, currency = "USD", quantity = 1,
        }))
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var stored = await StoredEvents.WaitForAsync([eventId], "B's event");
        Assert.That(stored[eventId].Tenant, Is.EqualTo(_b.CompanyKey), "stored under the caller's company, not the one named in the body");

        using (var erase = await _b.SendAsServerAsync(HttpMethod.Delete, $"/v1/visitors/{Fingerprint}"))
            Assert.That(erase.StatusCode, Is.EqualTo(HttpStatusCode.OK), "B erases its own visitor of that fingerprint");
        Assert.That((await BodyAsync(_a, $"/v1/visitors/{Fingerprint}/cart")).Status, Is.EqualTo(HttpStatusCode.OK), "A's visitor untouched");
        Assert.That((await _a.GetJsonAsync($"/v1/attribution/orders/{OrderId}")).GetProperty("attributed").GetBoolean(), Is.True);

        using (var replayOfA = await _b.GetAsServerAsync($"/v1/replay/{_replayId}"))
            Assert.That(replayOfA.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task A_client_that_never_finishes_its_headers_is_disconnected()
    {
        var address = _system.Http.BaseAddress!;
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("POST /v1/events/cart HTTP/1.1\r\nHost: localhost\r\nX-Company-Key: "));
        // Kestrel's RequestHeadersTimeout (10 s, GatewayRegistration) ends it: the read sees the close or a 408.
        var buffer = new byte[1024];
        var read = stream.ReadAsync(buffer).AsTask();
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.That(finished, Is.SameAs(read), "the connection was still open after 30 s");
        var answer = Encoding.ASCII.GetString(buffer, 0, await read);
        Assert.That(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), Is.True, answer);
    }

    private static async Task<(HttpStatusCode Status, string Body)> BodyAsync(TestCompany company, string path)
    {
        using var response = await company.GetAsServerAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
