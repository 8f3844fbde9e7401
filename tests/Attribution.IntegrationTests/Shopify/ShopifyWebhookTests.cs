using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Shopify;

/// <summary>
/// Shopify's orders/create and refunds-create webhooks (contract §7) with Shopify-shaped payloads
/// (Shopify/*.json): signatures checked, fingerprints read from note_attributes so the order joins
/// the chat before it, retried deliveries and the thank-you page's copy counted once, test orders
/// never counted, refunds subtracted.
/// </summary>
[NonParallelizable]
public sealed class ShopifyWebhookTests
{
    private const string Secret = "shpss_test_webhook_secret";
    private const string OrderId = "820982911946154508";
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task A_signed_order_joins_the_chat_in_its_note_attributes_and_counts_once_across_retries_and_the_thank_you_page()
    {
        var company = await CreateShopAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        await ChatAsync(company, "fp_shop", at.AddMinutes(-20));

        var order = Payload("orders-create.json", at, "fp_shop");
        var first = await DeliverAsync(company, "orders-create", order);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
        var eventId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid();

        // Shopify retries a delivery it did not see answered; the thank-you page sends the same order too.
        using (var retry = await DeliverAsync(company, "orders-create", order))
            Assert.That((await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid(), Is.EqualTo(eventId), "same order, same event");
        using (var browser = await company.PostAsBrowserAsync("/v1/events/checkout", new
               {
                   userFingerprint = "fp_shop", orderId = OrderId, value = 199.97m, currency = "USD",
                   occurredAt = at.AddSeconds(5).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
               }))
        {
            Assert.That(browser.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            await StoredEvents.WaitForAsync([eventId, (await browser.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid()],
                "the webhook's and the thank-you page's copies stored");
        }
        await Projections.WaitForNonStaleAsync();
        var explain = await company.GetJsonAsync($"/v1/attribution/orders/{OrderId}");
        Assert.That(explain.GetProperty("attributed").GetBoolean(), Is.True, explain.ToString());
        Assert.That(explain.GetProperty("creditedInteraction").GetProperty("conversationId").GetString(), Is.EqualTo("shop-chat"));

        var summary = await company.GetJsonAsync("/v1/revenue/summary");
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1), "webhook, retry and thank-you page: one order");
        Assert.That(summary.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(199.97m));
        Assert.That(summary.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(199.97m));

        var products = (await company.GetJsonAsync("/v1/revenue/products")).EnumerateArray().ToList();
        Assert.That(products.Select(p => (p.GetProperty("productId").GetString(), p.GetProperty("quantity").GetInt32(), p.GetProperty("revenue").GetDecimal())),
            Is.EqualTo(new[] { ("632910392", 2, 159.98m), ("632910393", 1, 29.99m) }), "Shopify line items, product_id as the product");

        // refunds/create: only the successful refund transaction counts.
        using (var refund = await DeliverAsync(company, "refunds-create", Payload("refunds-create.json", at.AddMinutes(30), "fp_shop")))
        {
            Assert.That(refund.StatusCode, Is.EqualTo(HttpStatusCode.OK), await refund.Content.ReadAsStringAsync());
            await StoredEvents.WaitForAsync([(await refund.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid()], "the refund stored");
        }
        await Projections.WaitForNonStaleAsync();
        var after = await company.GetJsonAsync("/v1/revenue/summary");
        Assert.That(after.GetProperty("refunded").GetDecimal(), Is.EqualTo(29.99m), "the failed transaction is not refunded");
        Assert.That(after.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(169.98m));
    }

    [Test]
    public async Task A_test_order_is_recorded_and_never_counted_and_an_order_without_attributes_counts_unattributed()
    {
        var company = await CreateShopAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-2);
        var test = Payload("orders-create.json", at, "fp_test").Replace("\"test\": false", "\"test\": true", StringComparison.Ordinal);
        var ids = new List<Guid>();
        using (var r = await DeliverAsync(company, "orders-create", test))
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid());

        var plain = Payload("orders-create.json", at, "fp_x")
            .Replace(OrderId, "820982911946154999", StringComparison.Ordinal)
            .Replace("_attribution_fingerprint", "something_else", StringComparison.Ordinal)
            .Replace("_attribution_faq_fingerprint", "other", StringComparison.Ordinal);
        using (var r = await DeliverAsync(company, "orders-create", plain))
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid());
        await StoredEvents.WaitForAsync(ids, "both orders stored");
        await Projections.WaitForNonStaleAsync();

        var testOrder = await company.GetJsonAsync($"/v1/attribution/orders/{OrderId}");
        Assert.That(testOrder.GetProperty("counted").GetBoolean(), Is.False);
        var summary = await company.GetJsonAsync("/v1/revenue/summary");
        Assert.That(summary.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(199.97m), "only the real order");
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.Zero);
        Assert.That(summary.GetProperty("fingerprintCoverage").GetDecimal(), Is.Zero, "no fingerprint reached that order");
    }

    [Test]
    public async Task Bad_or_missing_signatures_and_unknown_shops_get_401_and_nothing_is_recorded()
    {
        var company = await CreateShopAsync();
        var order = Payload("orders-create.json", DateTimeOffset.UtcNow.AddHours(-1), "fp_bad");

        using (var wrongSecret = await DeliverAsync(company, "orders-create", order, secret: "not-the-secret"))
            Assert.That(wrongSecret.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using (var tampered = await DeliverAsync(company, "orders-create", order, signature: Sign(order, Secret), body: order.Replace("199.97", "1.00", StringComparison.Ordinal)))
            Assert.That(tampered.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the signature covers the raw body");
        using (var unsigned = await DeliverAsync(company, "orders-create", order, signature: ""))
            Assert.That(unsigned.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using (var unknownShop = await DeliverAsync(company with { CompanyKey = "ck_nobody" }, "orders-create", order))
            Assert.That(unknownShop.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        var invalid = order.Replace("\"total_price\": \"199.97\"", "\"total_price\": \"199.999\"", StringComparison.Ordinal);
        using (var bad = await DeliverAsync(company, "orders-create", invalid))
            await AssertRejectedAsync(bad, "value"); // signed but invalid: named like POST /v1/events/checkout names it, answered 200
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.Zero);
        Assert.That(await StoredEvents.RejectionsAsync(company.CompanyKey), Has.Count.EqualTo(1), "only the signed delivery is kept for the data-quality report");
    }

    /// <summary>
    /// A signed delivery that can never be read as an order or refund is answered 200 "rejected" naming
    /// the field (Shopify would retry anything else forever), records nothing, and shows in the
    /// data-quality report. None of them is a 5xx.
    /// </summary>
    [Test]
    public async Task Each_signed_delivery_that_cannot_be_read_is_answered_200_rejected_naming_the_field_stored_nowhere_and_reported()
    {
        var company = await CreateShopAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        var order = Payload("orders-create.json", at, "fp_dq");
        var refund = Payload("refunds-create.json", at.AddMinutes(30), "fp_dq");
        var deliveries = new (string Topic, string Body, string Field, string What)[]
        {
            ("orders-create", order.Replace("\"quantity\": 2,", "\"quantity\": 1.5,", StringComparison.Ordinal), "lineItems[0].quantity", "a fractional quantity"),
            ("orders-create", order.Replace("\"quantity\": 2,", "\"quantity\": 3000000000,", StringComparison.Ordinal), "lineItems[0].quantity", "a quantity beyond an int"),
            ("orders-create", order.Replace("\"total_price\": \"199.97\"", "\"total_price\": \"1e5\"", StringComparison.Ordinal), "value", "an amount in exponent form"),
            ("orders-create", order.Replace("\"total_price\": \"199.97\"", "\"total_price\": \"99999999999999999999999999999999999\"", StringComparison.Ordinal), "value", "an amount beyond a decimal"),
            ("orders-create", "[" + order + "]", "body", "an array"),
            ("orders-create", order[..^10], "body", "malformed JSON"),
            ("refunds-create", refund.Replace("\"5.00\"", "\"79228162514264337593543950335\"", StringComparison.Ordinal)
                .Replace("\"failure\"", "\"success\"", StringComparison.Ordinal)
                .Replace("\"29.99\"", "\"79228162514264337593543950335\"", StringComparison.Ordinal), "transactions[0].amount", "a sum beyond a decimal"),
            ("refunds-create", refund.Replace("\"failure\"", "\"success\"", StringComparison.Ordinal)
                .Replace("\"amount\": \"5.00\", \"currency\": \"USD\"", "\"amount\": \"5.00\", \"currency\": \"EUR\"", StringComparison.Ordinal), "currency", "two currencies"),
        };
        foreach (var (topic, body, field, what) in deliveries)
            using (var response = await DeliverAsync(company, topic, body))
                await AssertRejectedAsync(response, field, what);

        // A readable order after them: once it is stored, anything the rejected ones had published would be too.
        using (var good = await DeliverAsync(company, "orders-create", order))
        {
            Assert.That(good.StatusCode, Is.EqualTo(HttpStatusCode.OK), await good.Content.ReadAsStringAsync());
            await StoredEvents.WaitForAsync([(await good.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid()], "the readable order stored");
        }
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(1), "nothing stored for a rejected delivery");

        var rejections = await StoredEvents.RejectionsAsync(company.CompanyKey);
        Assert.That(rejections.Select(r => r.Kind), Is.EqualTo(deliveries.Select(d => d.Topic == "orders-create" ? "checkout" : "refund")));

        var report = await company.GetJsonAsync("/v1/data-quality");
        var reasons = report.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r);
        Assert.Multiple(() =>
        {
            Assert.That(reasons["malformed_json"].GetProperty("count").GetInt32(), Is.EqualTo(1));
            Assert.That(reasons["bad_currency"].GetProperty("count").GetInt32(), Is.EqualTo(1), "the refund in two currencies");
            Assert.That(reasons["bad_currency"].GetProperty("examples")[0].GetProperty("detail").GetString(), Does.Contain("more than one currency"));
            Assert.That(reasons["invalid_field"].GetProperty("count").GetInt32(), Is.EqualTo(6));
            Assert.That(reasons["invalid_field"].GetProperty("examples").EnumerateArray().Select(e => e.GetProperty("detail").GetString()),
                Has.Some.Contains("transactions[0].amount"));
        });
    }

    /// <summary>
    /// The webhook's event id was once derived from the public company key and the order id: a storefront
    /// could post a checkout under that id first, and the signed order was then dropped as its duplicate.
    /// </summary>
    [Test]
    public async Task A_browser_checkout_under_the_old_public_shopify_event_id_no_longer_suppresses_the_signed_order()
    {
        var company = await CreateShopAsync();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        var forgedId = TestShop.PublicDerivation($"{company.CompanyKey}:shopify:order:{OrderId}");
        using (var forged = await company.PostAsBrowserAsync("/v1/events/checkout", new
               {
                   eventId = forgedId, userFingerprint = "fp_forge", orderId = OrderId, value = 0.01m, currency = "USD",
                   occurredAt = at.AddSeconds(-5).UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
               }))
            Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await forged.Content.ReadAsStringAsync());
        await StoredEvents.WaitForAsync([forgedId], "the storefront's copy stored");

        using var delivered = await DeliverAsync(company, "orders-create", Payload("orders-create.json", at, "fp_shop"));
        Assert.That(delivered.StatusCode, Is.EqualTo(HttpStatusCode.OK), await delivered.Content.ReadAsStringAsync());
        var eventId = (await delivered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid();
        Assert.That(eventId, Is.Not.EqualTo(forgedId));
        var stored = await StoredEvents.WaitForAsync([forgedId, eventId], "the signed order stored beside the storefront's copy");
        Assert.That(stored[eventId].Type, Is.EqualTo("checkout_recorded.v1"));
    }

    private static async Task AssertRejectedAsync(HttpResponseMessage response, string field, string? what = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{what}: {text}");
        using var answer = JsonDocument.Parse(text);
        Assert.That(answer.RootElement.GetProperty("status").GetString(), Is.EqualTo("rejected"), $"{what}: {text}");
        Assert.That(answer.RootElement.GetProperty("errors").TryGetProperty(field, out _), Is.True, $"{what} names {field}: {text}");
    }

    private Task<TestCompany> CreateShopAsync() => _system.CreateShopAsync(Secret);

    private static string Payload(string file, DateTimeOffset createdAt, string fingerprint) =>
        File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Shopify", file))
            .Replace("__CREATED_AT__", TestShop.ShopifyTime(createdAt), StringComparison.Ordinal)
            .Replace("__FINGERPRINT__", fingerprint, StringComparison.Ordinal);

    private static string Sign(string body, string secret) => TestShop.Sign(body, secret);

    private static Task<HttpResponseMessage> DeliverAsync(TestCompany company, string topic, string payload,
        string secret = Secret, string? signature = null, string? body = null) =>
        TestShop.DeliverAsync(company, topic, payload, secret, signature, body);

    private static Task ChatAsync(TestCompany company, string fp, DateTimeOffset at) => company.ChatAsync(fp, at);
}
