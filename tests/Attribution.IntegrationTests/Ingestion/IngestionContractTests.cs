using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>Contract §2–§3 through the real gateway, broker and event store.</summary>
[NonParallelizable]
public sealed class IngestionContractTests
{
    private RunningSystem _system = null!;
    private TestCompany _a = null!;
    private TestCompany _b = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _a = await _system.CreateCompanyAsync("Store A");
        _b = await _system.CreateCompanyAsync("Store B");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();

    [Test]
    public async Task Every_endpoint_accepts_its_contract_example_and_the_engine_stores_it_once()
    {
        var cart = Cart();
        var checkout = Checkout();
        var interaction = Interaction();
        var refund = Refund();

        using var r1 = await _a.PostAsBrowserAsync("/v1/events/cart", cart);
        using var r2 = await _a.PostAsBrowserAsync("/v1/events/checkout", checkout);
        using var r3 = await _a.PostAsServerAsync("/v1/events/interactions", interaction);
        using var r4 = await _a.PostAsServerAsync("/v1/events/refund", refund);
        using var r5 = await _a.PostAsServerAsync("/v1/events/cart", Cart()); // the server may send browser events too

        foreach (var r in new[] { r1, r2, r3, r4, r5 })
        {
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await r.Content.ReadAsStringAsync());
            Assert.That((await Json(r)).GetProperty("status").GetString(), Is.EqualTo("accepted"));
        }
        Assert.That((await Json(r1)).GetProperty("eventId").GetString(), Is.EqualTo(cart["eventId"]));

        var ids = new[] { IdOf(cart), IdOf(checkout), IdOf(interaction), IdOf(refund) };
        var stored = await StoredEvents.WaitForAsync(ids, "all four events stored");
        Assert.That(stored.Values.Select(s => s.Tenant), Is.All.EqualTo(_a.CompanyKey));
        Assert.That(ids.Select(id => stored[id].Type),
            Is.EqualTo(new[] { "cart_event_recorded.v1", "checkout_recorded.v1", "interaction_recorded.v1", "refund_recorded.v1" }));
    }

    [Test]
    public async Task Interactions_and_refunds_need_the_api_secret()
    {
        using var interaction = await _a.PostAsBrowserAsync("/v1/events/interactions", Interaction());
        using var refund = await _a.PostAsBrowserAsync("/v1/events/refund", Refund());

        Assert.That(interaction.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(refund.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_company_key_writes_and_reads_only_its_own_company()
    {
        var fingerprint = "fp_iso_" + Guid.NewGuid().ToString("N");
        var body = Cart(fingerprint);
        using var posted = await _a.PostAsBrowserAsync("/v1/events/cart", body);
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await StoredEvents.WaitForAsync([IdOf(body)], "A's event stored");

        await Poll.UntilAsync(async () => { using var r = await _a.GetAsServerAsync($"/v1/visitors/{fingerprint}/cart"); return r.StatusCode; },
            s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "A sees its visitor");
        using var asB = await _b.GetAsServerAsync($"/v1/visitors/{fingerprint}/cart");

        Assert.That(asB.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "B's secret never reads A's visitor");
        Assert.That((await StoredEvents.FindAsync([IdOf(body)]))[IdOf(body)].Tenant, Is.EqualTo(_a.CompanyKey));
    }

    [Test]
    public async Task Send_beacon_text_plain_with_the_key_in_the_query_is_accepted()
    {
        var body = Cart();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/events/cart?companyKey={_a.CompanyKey}")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "text/plain"),
        };
        using var response = await _system.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await StoredEvents.WaitForAsync([IdOf(body)], "beacon event stored");
    }

    [Test]
    public async Task Other_content_types_are_415_and_bodies_over_the_limit_are_413()
    {
        using var xml = new HttpRequestMessage(HttpMethod.Post, "/v1/events/cart") { Content = new StringContent("<cart/>", Encoding.UTF8, "application/xml") };
        xml.Headers.Add("X-Company-Key", _a.CompanyKey);
        using var xmlResponse = await _system.Http.SendAsync(xml);

        var big = Cart();
        big["productName"] = new string('x', 70 * 1024);
        using var bigResponse = await _a.PostAsBrowserAsync("/v1/events/cart", big);

        var batchEvents = Enumerable.Range(0, 400).Select(_ => (object)new Dictionary<string, object?>(Cart()) { ["kind"] = "cart", ["productName"] = new string('y', 3000) }).ToList();
        using var bigBatch = await _a.PostAsBrowserAsync("/v1/events/batch", new { events = batchEvents });

        Assert.That(xmlResponse.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(bigResponse.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(bigBatch.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
    }

    [Test]
    public async Task Malformed_json_is_a_400_naming_the_body_never_a_500()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/checkout") { Content = new StringContent("{\"value\": 1,", Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Company-Key", _a.CompanyKey);
        using var response = await _system.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((await Json(response)).GetProperty("errors").TryGetProperty("body", out _), Is.True);
    }

    [Test]
    public async Task A_batch_accepts_the_valid_events_and_names_what_is_wrong_with_the_others()
    {
        var good = Cart();
        var goodCheckout = Checkout();
        var badType = new Dictionary<string, object?>(Cart()) { ["type"] = "ADDED" };
        var interaction = Interaction();
        var events = new object[]
        {
            new Dictionary<string, object?>(good) { ["kind"] = "cart" },
            new Dictionary<string, object?>(badType) { ["kind"] = "cart" },
            new Dictionary<string, object?>(goodCheckout) { ["kind"] = "checkout" },
            new Dictionary<string, object?>(interaction) { ["kind"] = "interaction" }, // browser key: not allowed
            new { kind = "pageview" },
        };

        using var response = await _a.PostAsBrowserAsync("/v1/events/batch", new { events });

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var results = (await Json(response)).GetProperty("results").EnumerateArray().ToList();
        Assert.That(results.Select(r => r.GetProperty("index").GetInt32()), Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(results.Select(r => r.GetProperty("status").GetString()), Is.EqualTo(new[] { "accepted", "rejected", "accepted", "rejected", "rejected" }));
        Assert.That(results[1].GetProperty("errors").TryGetProperty("type", out _), Is.True);
        Assert.That(results[3].GetProperty("errors").TryGetProperty("kind", out _), Is.True);
        Assert.That(results[0].GetProperty("eventId").GetString(), Is.EqualTo(good["eventId"]));
        Assert.That(results[0].TryGetProperty("errors", out _), Is.False, "contract shape: no errors on an accepted event");
        Assert.That(results[1].TryGetProperty("eventId", out _), Is.False, "contract shape: no eventId on a rejected event");

        var stored = await StoredEvents.WaitForAsync([IdOf(good), IdOf(goodCheckout)], "the two valid batch events stored");
        Assert.That(stored, Has.Count.EqualTo(2));
        Assert.That(await StoredEvents.FindAsync([IdOf(badType), IdOf(interaction)]), Is.Empty);
    }

    [Test]
    public async Task A_server_batch_carries_interactions_by_interaction_kind()
    {
        var asItemKind = Interaction();
        asItemKind.Remove("kind");
        var withInteractionKind = Interaction();
        withInteractionKind.Remove("kind");
        var events = new object[]
        {
            new Dictionary<string, object?>(asItemKind) { ["kind"] = "SHOPPER_MESSAGE" },
            new Dictionary<string, object?>(withInteractionKind) { ["kind"] = "interaction", ["interactionKind"] = "SHOPPER_MESSAGE" },
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/batch") { Content = JsonContent.Create(new { events }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _a.ApiSecret);
        using var response = await _system.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var statuses = (await Json(response)).GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString());
        Assert.That(statuses, Is.All.EqualTo("accepted"), await response.Content.ReadAsStringAsync());
        var stored = await StoredEvents.WaitForAsync([IdOf(asItemKind), IdOf(withInteractionKind)], "both batched interactions stored");
        Assert.That(stored.Values.Select(v => v.Type), Is.All.EqualTo("interaction_recorded.v1"));
    }

    [Test]
    public async Task Every_rejected_event_is_kept_with_its_reasons_for_the_data_quality_report()
    {
        var company = await _system.CreateCompanyAsync("Rejections");
        using var r1 = await company.PostAsBrowserAsync("/v1/events/cart", new Dictionary<string, object?>(Cart()) { ["type"] = "item_added" });
        using var r2 = await company.PostAsBrowserAsync("/v1/events/cart", new Dictionary<string, object?>(Cart()) { ["currency"] = "usd", ["value"] = 1.001m });
        using var r3 = await company.PostAsBrowserAsync("/v1/events/checkout", new Dictionary<string, object?>(Checkout())
        {
            ["lineItems"] = new object[] { new { productId = "A", productName = "A", quantity = 1, value = 5m, currency = "EUR" } },
        });

        var rows = await StoredEvents.RejectionsAsync(company.CompanyKey);
        Assert.That(rows.Select(r => r.Kind), Is.EqualTo(new[] { "cart", "cart", "checkout" }));
        Assert.That(rows[0].Reasons, Does.Contain("unknown_cart_type"));
        Assert.That(rows[1].Reasons, Does.Contain("bad_currency"));
        Assert.That(rows[2].Reasons, Does.Contain("line_item_currency_mismatch"));
    }

    [Test]
    public async Task Cors_allows_only_the_companys_origins_and_answers_preflights()
    {
        var shop = await _system.CreateCompanyAsync("CORS shop", allowedOrigins: ["https://shop.example"]);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/events/cart");
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-company-key");
        using var preflightResponse = await _system.Http.SendAsync(preflight);

        using var allowed = await shop.PostAsBrowserAsync("/v1/events/cart", Cart(), r => r.Headers.Add("Origin", "https://shop.example"));
        using var foreign = await shop.PostAsBrowserAsync("/v1/events/cart", Cart(), r => r.Headers.Add("Origin", "https://evil.example"));
        using var anyOrigin = await _a.PostAsBrowserAsync("/v1/events/cart", Cart(), r => r.Headers.Add("Origin", "https://anything.example"));

        Assert.That(preflightResponse.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(preflightResponse.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "https://shop.example" }));
        Assert.That(string.Join(",", preflightResponse.Headers.GetValues("Access-Control-Allow-Headers")), Does.Contain("x-company-key"));
        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(allowed.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "https://shop.example" }));
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(foreign.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
        Assert.That(anyOrigin.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "an empty allowedOrigins list allows any origin");
    }

    [Test]
    public async Task Company_settings_change_through_patch_and_fx_rates_are_stored()
    {
        var shop = await _system.CreateCompanyAsync("Settings shop");
        var zeroQuantity = new Dictionary<string, object?>(Cart()) { ["quantity"] = 0 };

        using var before = await shop.PostAsBrowserAsync("/v1/events/cart", zeroQuantity);
        using var patch = await Admin(HttpMethod.Patch, $"/v1/admin/companies/{shop.CompanyKey}",
            new { quantityMode = "TOTAL", attributionWindowHours = 48, timeZone = "Europe/Berlin" });
        using var after = await shop.PostAsBrowserAsync("/v1/events/cart", new Dictionary<string, object?>(zeroQuantity) { ["eventId"] = Guid.NewGuid().ToString() });
        using var rates = await Admin(HttpMethod.Put, $"/v1/admin/companies/{shop.CompanyKey}/fx-rates", new { date = "2026-11-01", rates = new Dictionary<string, decimal> { ["EUR"] = 1.08m } });
        using var unknown = await Admin(HttpMethod.Patch, "/v1/admin/companies/ck_nope", new { attributionWindowHours = 2 });
        using var badWindow = await Admin(HttpMethod.Patch, $"/v1/admin/companies/{shop.CompanyKey}", new { attributionWindowHours = 721 });
        using var noToken = await _system.Http.PatchAsJsonAsync($"/v1/admin/companies/{shop.CompanyKey}", new { attributionWindowHours = 2 });

        Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "quantity 0 is not a change");
        Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var settings = await Json(patch);
        Assert.That(settings.GetProperty("attributionWindowHours").GetInt32(), Is.EqualTo(48));
        Assert.That(settings.GetProperty("quantityMode").GetString(), Is.EqualTo("TOTAL"));
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "in TOTAL mode quantity 0 is a valid new total");
        Assert.That(rates.StatusCode, Is.EqualTo(HttpStatusCode.OK), await rates.Content.ReadAsStringAsync());
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(badWindow.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        await using var cmd = TestServices.Database.CreateCommand("SELECT rate FROM app.fx_rates WHERE company_key = $1 AND currency = 'EUR'");
        cmd.Parameters.AddWithValue(shop.CompanyKey);
        Assert.That(await cmd.ExecuteScalarAsync(), Is.EqualTo(1.08m));
    }

    [Test]
    public async Task The_openapi_document_lists_the_ingestion_endpoints()
    {
        var doc = await _system.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/v1/events/cart", "/v1/events/checkout", "/v1/events/interactions", "/v1/events/refund", "/v1/events/batch",
            "/v1/admin/companies", "/v1/admin/companies/{companyKey}", "/v1/admin/companies/{companyKey}/fx-rates",
        }));
    }

    private async Task<HttpResponseMessage> Admin(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningSystem.AdminToken);
        return await _system.Http.SendAsync(request);
    }
}
