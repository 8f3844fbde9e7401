using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Security;

/// <summary>
/// What a holder of a public storefront key cannot do to a company: suppress its events by reusing
/// their ids from another company, or displace a verified order with a cheaper browser copy.
/// </summary>
[NonParallelizable]
public sealed class CompanyScopedOrdersAndIdsTests
{
    private const string ShopifySecret = "scoped-shopify-secret";

    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task The_same_event_id_from_another_company_never_suppresses_this_ones()
    {
        var a = await _system.CreateCompanyAsync("Scoped A");
        var b = await _system.CreateCompanyAsync("Scoped B");
        var id = Guid.NewGuid();

        // Company B (anyone holding B's public key) posts first, with the id A will use.
        using (var first = await b.PostAsBrowserAsync("/v1/events/cart", Cart("fp_b", id)))
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(b.CompanyKey, [id]), f => f.Count == 1, TimeSpan.FromSeconds(10), "B's event stored");

        using (var second = await a.PostAsBrowserAsync("/v1/events/cart", Cart("fp_a", id)))
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(a.CompanyKey, [id]), f => f.Count == 1, TimeSpan.FromSeconds(10),
            "A's event stored, not dropped as B's duplicate");

        // Each company's explain answers for its own event; within a company the id still dedupes.
        var explainA = await Poll.UntilAsync(() => TryGetAsync(a, $"/v1/attribution/events/{id}"), e => e is not null, TimeSpan.FromSeconds(10), "A's decision");
        Assert.That(explainA!.Value.GetProperty("attributed").GetBoolean(), Is.False);
        using (var again = await a.PostAsBrowserAsync("/v1/events/cart", Cart("fp_a", id)))
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(a.CompanyKey), Is.EqualTo(1));
    }

    [Test]
    public async Task A_browser_copy_sent_first_never_displaces_the_signed_webhook_order()
    {
        var shop = await CreateShopAsync();
        var now = DateTimeOffset.UtcNow;
        await ChatAsync(shop, "fp_shopper", now.AddMinutes(-30));

        // Someone with the storefront key announces the coming order at $0.01, even under the id the
        // webhook's event would once have had (derived from public values).
        var fake = Checkout("fp_shopper", "1001", eventId: LegacyShopifyId(shop.CompanyKey, "1001"));
        fake["value"] = 0.01m;
        fake["lineItems"] = null;
        using (var browser = await shop.PostAsBrowserAsync("/v1/events/checkout", fake))
            Assert.That(browser.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => SummaryAsync(shop), s => s.GetProperty("attributedOrders").GetInt32() == 1, TimeSpan.FromSeconds(10),
            "the browser copy counted while it is the only one");

        var order = $$"""
            { "id": 1001, "total_price": "500.00", "currency": "USD", "created_at": "{{TestShop.ShopifyTime(now.AddMinutes(-5))}}",
              "line_items": [ { "product_id": 7, "title": "Trail shoes", "quantity": 1, "price": "500.00" } ],
              "note_attributes": [ { "name": "_attribution_fingerprint", "value": "fp_shopper" } ] }
            """;
        using (var webhook = await DeliverAsync(shop, order))
            Assert.That(webhook.StatusCode, Is.EqualTo(HttpStatusCode.OK), await webhook.Content.ReadAsStringAsync());

        var summary = await Poll.UntilAsync(() => SummaryAsync(shop), s => s.GetProperty("checkoutRevenue").GetDecimal() == 500m, TimeSpan.FromSeconds(10),
            "the verified $500 order counted in place of the $0.01 browser copy");
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1), "the order still counts once");

        var explain = await shop.GetJsonAsync("/v1/attribution/orders/1001");
        Assert.That(explain.GetProperty("attributed").GetBoolean(), Is.True);

        var quality = await Poll.UntilAsync(() => shop.GetJsonAsync($"/v1/data-quality?{Range()}"),
            q => Count(q, "browser_order_replaced") == 1, TimeSpan.FromSeconds(10), "the replaced browser copy named in the data-quality report");
        Assert.That(Examples(quality, "browser_order_replaced"), Has.Some.Contains("0.01").And.Some.Contains("500"));

        // And a browser copy sent after the verified one changes nothing.
        var late = Checkout("fp_shopper", "1001");
        late["value"] = 1.00m;
        using (var after = await shop.PostAsBrowserAsync("/v1/events/checkout", late))
            Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(shop.CompanyKey, [IdOf(late)]), f => f.Count == 1, TimeSpan.FromSeconds(10), "the late copy stored");
        await Poll.UntilAsync(() => TryGetAsync(shop, $"/v1/attribution/events/{IdOf(late)}"), e => e is not null, TimeSpan.FromSeconds(10), "the late copy decided");
        Assert.That((await SummaryAsync(shop)).GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(500m));
    }

    [Test]
    public async Task A_checkout_sent_with_the_api_secret_replaces_the_browser_copy_and_joins_the_browsers_visitor_even_when_the_chat_arrives_late()
    {
        var company = await _system.CreateCompanyAsync("Server verified");
        var browser = Checkout("fp_server", "SRV-1");
        browser["value"] = 10.00m;
        browser["lineItems"] = null;
        using (var r = await company.PostAsBrowserAsync("/v1/events/checkout", browser)) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        // The store's server does not know the visitor: its copy carries no fingerprint.
        var server = Checkout("fp_server", "SRV-1");
        server.Remove("userFingerprint");
        server["value"] = 12.50m;
        server["lineItems"] = null;
        using (var r = await company.PostAsServerAsync("/v1/events/checkout", server)) Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => SummaryAsync(company), s => s.GetProperty("totalCheckoutRevenue").GetDecimal() == 12.50m, TimeSpan.FromSeconds(10),
            "the apiSecret copy counted in place of the browser copy");

        // The chat that earned it arrives after both copies but happened before them: the verified copy follows the visitor's journey.
        await ChatAsync(company, "fp_server", DateTimeOffset.UtcNow.AddMinutes(-30));
        var summary = await Poll.UntilAsync(() => SummaryAsync(company), s => s.GetProperty("checkoutRevenue").GetDecimal() == 12.50m, TimeSpan.FromSeconds(10),
            "the verified order attributed to the chat of the visitor the browser's copy named");
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1));
    }

    private Task<TestCompany> CreateShopAsync() => _system.CreateShopAsync(ShopifySecret, "Verified shop");

    /// <summary>The id a Shopify order's event was once derived as, from the public company key and order id alone.</summary>
    private static Guid LegacyShopifyId(string companyKey, string orderId) => TestShop.PublicDerivation($"{companyKey}:shopify:order:{orderId}");

    private static Task<HttpResponseMessage> DeliverAsync(TestCompany shop, string order) =>
        TestShop.DeliverAsync(shop, "orders-create", order, ShopifySecret);

    private static Task ChatAsync(TestCompany company, string fp, DateTimeOffset at) => company.ChatAsync(fp, at, "chat-" + fp);

    private static string Range() =>
        $"from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}";

    private static Task<JsonElement> SummaryAsync(TestCompany company) => company.GetJsonAsync($"/v1/revenue/summary?{Range()}");

    private static async Task<JsonElement?> TryGetAsync(TestCompany company, string path)
    {
        using var response = await company.GetAsServerAsync(path);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    private static int Count(JsonElement report, string reason) =>
        report.GetProperty("reasons").EnumerateArray().Where(r => r.GetProperty("reason").GetString() == reason)
            .Select(r => r.GetProperty("count").GetInt32()).FirstOrDefault();

    private static IEnumerable<string> Examples(JsonElement report, string reason) =>
        report.GetProperty("reasons").EnumerateArray().Where(r => r.GetProperty("reason").GetString() == reason)
            .SelectMany(r => r.GetProperty("examples").EnumerateArray()).Select(e => e.GetProperty("detail").GetString()!);
}
