using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// Input that once answered 5xx, or 202 for what PostgreSQL later refused, through the real gateway
/// (contract §3, §6, §7, §9): text that is not Unicode, control characters, amounts a decimal
/// would round, report dates at the edges of time, absurd exchange rates and origins. Each is a
/// 400 naming the field or parameter, and whatever is answered 202 is stored.
/// </summary>
[NonParallelizable]
public sealed class UnstorableInputTests
{
    private const string ShopifySecret = "shpss_unstorable";

    private RunningSystem _system = null!;
    private TestCompany _shop = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _shop = await _system.CreateCompanyAsync("Unstorable input");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    /// <summary>Sends raw bytes (no serializer in between) as application/json, with the shop's browser key or API secret.</summary>
    private async Task<HttpResponseMessage> PostRawAsync(string path, byte[] body, bool asServer = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (asServer) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _shop.ApiSecret);
        else request.Headers.Add("X-Company-Key", _shop.CompanyKey);
        return await _system.Http.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostRawAsync(string path, string json, bool asServer = false) =>
        PostRawAsync(path, Encoding.UTF8.GetBytes(json), asServer);

    private async Task<HttpResponseMessage> AdminRawAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningSystem.AdminToken);
        return await _system.Http.SendAsync(request);
    }

    /// <summary>Asserts a 400 problem naming exactly <paramref name="fields"/>.</summary>
    private static async Task AssertNamesAsync(HttpResponseMessage response, params string[] fields)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        using var problem = JsonDocument.Parse(text);
        Assert.That(problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EquivalentTo(fields), text);
    }

    /// <summary>The shop's JSON body as text, with one field's value replaced by raw JSON text.</summary>
    private static string With(Dictionary<string, object?> body, string field, string rawValue)
    {
        const string marker = "__RAW__";
        body[field] = marker;
        return JsonSerializer.Serialize(body).Replace($"\"{marker}\"", rawValue, StringComparison.Ordinal);
    }

    [Test]
    public async Task Invalid_UTF8_bytes_in_a_text_field_are_a_400_naming_it()
    {
        var json = With(Cart("fp_bytes"), "productName", "\"Shoes__BAD__\"");
        var bytes = Encoding.UTF8.GetBytes(json);
        var at = json.IndexOf("__BAD__", StringComparison.Ordinal);
        byte[] body = [.. bytes[..at], 0xFF, 0xFE, .. bytes[(at + "__BAD__".Length)..]];

        using var response = await PostRawAsync("/v1/events/cart", body);

        await AssertNamesAsync(response, "productName");
    }

    [Test]
    public async Task A_lone_surrogate_anywhere_is_a_400_naming_its_path()
    {
        var checkout = Checkout("fp_surrogate");
        checkout["lineItems"] = new object[]
        {
            new { productId = "SKU-1", productName = "ok", quantity = 1, value = 1m, currency = "USD" },
            new { productId = "SKU-2", productName = "__RAW__", quantity = 1, value = 1m, currency = "USD" },
        };
        var checkoutJson = JsonSerializer.Serialize(checkout).Replace("\"__RAW__\"", "\"Socks \\ud800\"", StringComparison.Ordinal);
        var events = Enumerable.Range(0, 3).Select(_ => JsonSerializer.Serialize(new Dictionary<string, object?>(Cart("fp_surrogate")) { ["kind"] = "cart" }))
            .Append(JsonSerializer.Serialize(new Dictionary<string, object?>(Interaction("fp_surrogate")) { ["kind"] = "interaction", ["interactionKind"] = "SHOPPER_MESSAGE", ["text"] = "__RAW__" })
                .Replace("\"__RAW__\"", "\"\\udc00 hi\"", StringComparison.Ordinal));

        using var cart = await PostRawAsync("/v1/events/cart", With(Cart("fp_surrogate"), "productName", "\"\\ud800\""));
        using var lineItem = await PostRawAsync("/v1/events/checkout", checkoutJson);
        using var text = await PostRawAsync("/v1/events/interactions", With(Interaction("fp_surrogate"), "text", "\"\\ud83d\""), asServer: true);
        using var batch = await PostRawAsync("/v1/events/batch", $"{{\"events\":[{string.Join(',', events)}]}}", asServer: true);
        using var company = await AdminRawAsync(HttpMethod.Post, "/v1/admin/companies", """{"name":"Shop \udfff","reportingCurrency":"USD"}""");

        await AssertNamesAsync(cart, "productName");
        await AssertNamesAsync(lineItem, "lineItems[1].productName");
        await AssertNamesAsync(text, "text");
        await AssertNamesAsync(batch, "events[3].text");
        await AssertNamesAsync(company, "name");
    }

    [Test]
    public async Task A_signed_Shopify_delivery_with_invalid_UTF8_is_no_5xx()
    {
        using var created = await _system.AdminAsync(HttpMethod.Post, "/v1/admin/companies",
            new { name = "Shopify store", reportingCurrency = "USD", shopifyWebhookSecret = ShopifySecret });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var companyKey = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("companyKey").GetString();
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"id":1,"total_price":"1.00","currency":"USD","line_items":[{"title":"Sho"""), 0xC0, 0xAF,
            .. Encoding.UTF8.GetBytes("""es","quantity":1,"price":"1.00"}]}""")];
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/shopify/{companyKey}/orders-create") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopifySecret), body)));

        using var response = await _system.Http.SendAsync(request);

        Assert.That((int)response.StatusCode, Is.LessThan(500), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task A_NUL_in_any_stored_text_field_is_a_400_naming_it()
    {
        var message = Interaction("fp_nul");
        message["conversationId"] = "conv\0_42";
        message["text"] = "flat\0feet";
        var cart = Cart("fp_nul");
        cart["productName"] = "a\0b";
        var checkout = Checkout("fp_nul", orderId: "ORDER\0-1");

        using var cartResponse = await _shop.PostAsBrowserAsync("/v1/events/cart", cart);
        using var checkoutResponse = await _shop.PostAsBrowserAsync("/v1/events/checkout", checkout);
        using var interactionResponse = await _shop.PostAsServerAsync("/v1/events/interactions", message);

        await AssertNamesAsync(cartResponse, "productName");
        await AssertNamesAsync(checkoutResponse, "orderId");
        await AssertNamesAsync(interactionResponse, "conversationId", "text");
    }

    [Test]
    public async Task In_a_batch_an_event_with_a_NUL_is_rejected_alone_and_the_rest_is_stored()
    {
        var good = new Dictionary<string, object?>(Cart("fp_batch_nul")) { ["kind"] = "cart" };
        var bad = new Dictionary<string, object?>(Cart("fp_batch_nul")) { ["kind"] = "cart", ["productId"] = "SKU\0" };

        using var response = await _shop.PostAsBrowserAsync("/v1/events/batch", new { events = new[] { good, bad } });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("results");
        Assert.That(results[0].GetProperty("status").GetString(), Is.EqualTo("accepted"));
        Assert.That(results[1].GetProperty("status").GetString(), Is.EqualTo("rejected"));
        Assert.That(results[1].GetProperty("errors").EnumerateObject().Select(e => e.Name), Is.EquivalentTo(new[] { "productId" }));
        await StoredEvents.WaitForAsync([IdOf(good)], "the valid event of the batch stored");
        Assert.That(await StoredEvents.FindAsync([IdOf(bad)]), Is.Empty);
    }

    [Test]
    public async Task Message_text_with_tabs_and_newlines_is_accepted_and_stored()
    {
        var message = Interaction("fp_lines");
        message["text"] = "running shoes?\n\tsize 42, flat feet";

        using var response = await _shop.PostAsServerAsync("/v1/events/interactions", message);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        await StoredEvents.WaitForAsync([IdOf(message)], "the multi-line message stored");
    }

    [TestCase("1.000000000000000000000000000001", TestName = "an amount decimal rounds to 1")]
    [TestCase("1e-30", TestName = "an amount decimal rounds to 0")]
    public async Task An_amount_decimal_would_round_is_a_400_naming_it(string value)
    {
        using var response = await PostRawAsync("/v1/events/cart", With(Cart("fp_round"), "value", value));

        await AssertNamesAsync(response, "value");
    }

    // query, company time zone, the parameters named
    [TestCase("/v1/revenue/summary?to=0001-01-01", "UTC", new[] { "to" })]
    [TestCase("/v1/revenue/summary?from=9999-12-31&to=9999-12-31", "UTC", new[] { "from", "to" })]
    [TestCase("/v1/revenue/cart-gmv/daily?from=0001-01-01&to=0001-01-01", "America/New_York", new[] { "from", "to" })]
    [TestCase("/v1/revenue/products?from=1999-12-31&to=2000-01-01", "UTC", new[] { "from" })]
    [TestCase("/v1/revenue/variants?from=2100-12-31&to=2101-01-01", "UTC", new[] { "to" })]
    [TestCase("/v1/data-quality?from=2000-01-01&to=2003-01-01", "UTC", new[] { "to" })]
    [TestCase("/v1/conversations/conv_42/revenue?to=0001-01-01", "Pacific/Kiritimati", new[] { "to" })]
    public async Task Report_dates_at_the_edges_of_time_are_a_400_naming_the_parameter(string path, string timeZone, string[] named)
    {
        var company = timeZone == "UTC" ? _shop : await _system.CreateCompanyAsync("Zone " + timeZone, timeZone: timeZone);

        using var response = await company.GetAsServerAsync(path);

        await AssertNamesAsync(response, named);
    }

    [Test]
    public async Task Report_dates_on_the_first_and_last_day_allowed_are_answered()
    {
        var company = await _system.CreateCompanyAsync("Zone edges", timeZone: "America/New_York");

        using var first = await company.GetAsServerAsync("/v1/revenue/summary?from=2000-01-01&to=2000-01-01");
        using var last = await company.GetAsServerAsync("/v1/revenue/cart-gmv/daily?from=2098-01-01&to=2100-12-31");

        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
        Assert.That(last.StatusCode, Is.EqualTo(HttpStatusCode.OK), await last.Content.ReadAsStringAsync());
    }

    [TestCase("1e28")]
    [TestCase("1000000.01")]
    [TestCase("0.0000001")]
    public async Task An_fx_rate_out_of_bounds_is_a_400_naming_it(string rate)
    {
        using var response = await AdminRawAsync(HttpMethod.Put, $"/v1/admin/companies/{_shop.CompanyKey}/fx-rates",
            $$$"""{"date":"2026-11-01","rates":{"EUR":{{{rate}}}}}""");

        await AssertNamesAsync(response, "rates.EUR");
    }

    [Test]
    public async Task An_fx_date_outside_2000_to_2100_is_a_400_naming_it()
    {
        using var response = await AdminRawAsync(HttpMethod.Put, $"/v1/admin/companies/{_shop.CompanyKey}/fx-rates",
            """{"date":"0001-01-01","rates":{"EUR":1.08}}""");

        await AssertNamesAsync(response, "date");
    }

    [Test]
    public async Task A_wildcard_origin_is_a_400_naming_it_on_create_and_patch()
    {
        using var created = await AdminRawAsync(HttpMethod.Post, "/v1/admin/companies",
            """{"name":"Shop","reportingCurrency":"USD","allowedOrigins":["https://shop.example","*"]}""");
        using var patched = await AdminRawAsync(HttpMethod.Patch, $"/v1/admin/companies/{_shop.CompanyKey}",
            """{"allowedOrigins":["*","javascript:alert(1)"]}""");

        await AssertNamesAsync(created, "allowedOrigins[1]");
        await AssertNamesAsync(patched, "allowedOrigins[0]", "allowedOrigins[1]");
    }

    [Test]
    public async Task A_company_setting_with_a_NUL_is_a_400_naming_it()
    {
        using var created = await AdminRawAsync(HttpMethod.Post, "/v1/admin/companies",
            """{"name":"Shop\u0000","reportingCurrency":"USD","shopifyWebhookSecret":"shpss\u0000"}""");
        using var patched = await AdminRawAsync(HttpMethod.Patch, $"/v1/admin/companies/{_shop.CompanyKey}",
            """{"timeZone":"UTC\u0000","name":"a\nb"}""");

        await AssertNamesAsync(created, "name", "shopifyWebhookSecret");
        await AssertNamesAsync(patched, "timeZone", "name");
    }

    [Test]
    public async Task A_normalised_origin_lets_the_browser_in()
    {
        var company = await _system.CreateCompanyAsync("Origins", allowedOrigins: ["HTTPS://Shop.Example:443/"]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/cart") { Content = JsonContent(Cart("fp_origin")) };
        request.Headers.Add("X-Company-Key", company.CompanyKey);
        request.Headers.Add("Origin", "https://shop.example");

        using var response = await _system.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
