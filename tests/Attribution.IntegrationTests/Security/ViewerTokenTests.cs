using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Security;

/// <summary>
/// Viewer tokens (contract §2, §7): the operator makes and revokes them; a viewer token reads every
/// §6 endpoint of its own company and is refused (403) by every other operation the gateway serves,
/// taken from its own OpenAPI document, so an endpoint added later is covered too.
/// </summary>
[NonParallelizable]
public sealed class ViewerTokenTests
{
    /// <summary>The reads of contract §6: a viewer may call exactly these.</summary>
    private static readonly string[] Section6 =
    [
        "GET /v1/revenue/summary", "GET /v1/revenue/cart-gmv/daily", "GET /v1/revenue/products", "GET /v1/revenue/variants",
        "GET /v1/revenue/daily", "GET /v1/revenue/lift", "GET /v1/revenue/channels",
        "GET /v1/conversations", "GET /v1/conversations/{conversationId}", "GET /v1/conversations/{conversationId}/revenue",
        "GET /v1/attribution/orders/{orderId}", "GET /v1/attribution/events/{eventId}", "GET /v1/data-quality",
    ];

    private RunningSystem _system = null!;
    private TestCompany _shop = null!;
    private TestCompany _other = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _shop = await _system.CreateCompanyAsync("Viewer store");
        _other = await _system.CreateCompanyAsync("Viewer bystander");
        var now = DateTimeOffset.UtcNow.AddHours(-2);
        using var batch = await _shop.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "fp_v", channel = "CHAT", conversationId = "c1", text = "Do these run small?", occurredAt = WireTime.Of(now) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "fp_v", channel = "CHAT", conversationId = "c1", helpful = true, occurredAt = WireTime.Of(now.AddMinutes(1)) },
                new { kind = "checkout", userFingerprint = "fp_v", orderId = "o1", value = 42.00m, currency = "USD", occurredAt = WireTime.Of(now.AddMinutes(5)) },
            },
        });
        var results = (await batch.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results").EnumerateArray().ToList();
        await StoredEvents.WaitForAsync(results.Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "the shop's events");
        await Projections.WaitForNonStaleAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task A_viewer_token_reads_every_section_6_endpoint_and_is_refused_everywhere_else()
    {
        var token = await CreateTokenAsync(_shop, "Board");
        using var document = JsonDocument.Parse(await _system.Http.GetStringAsync("/openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Where(op => op.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(op => $"{op.Name.ToUpperInvariant()} {p.Name}"))
            .ToList();
        Assert.That(Section6.Except(operations), Is.Empty, "every §6 read is served");
        Assert.That(operations, Has.Count.GreaterThan(Section6.Length + 10));

        var eventId = await OrderEventIdAsync();
        var answers = new List<string>();
        foreach (var operation in operations)
        {
            var (method, path) = (operation.Split(' ')[0], operation.Split(' ')[1]);
            using var request = new HttpRequestMessage(new HttpMethod(method), Concrete(path, eventId));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (method is not ("GET" or "DELETE")) request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await _system.Http.SendAsync(request);
            answers.Add($"{operation} -> {(int)response.StatusCode}");
            if (Section6.Contains(operation))
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{operation}: {await response.Content.ReadAsStringAsync()}");
            else
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
        TestContext.Out.WriteLine(string.Join("\n", answers));
    }

    [Test]
    public async Task A_viewer_token_reads_its_own_company_only()
    {
        var mine = await CreateTokenAsync(_shop, "Mine");
        var theirs = await CreateTokenAsync(_other, "Theirs");
        Assert.That((await GetAsync(mine, "/v1/revenue/summary")).GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(42.00m));
        Assert.That((await GetAsync(theirs, "/v1/revenue/summary")).GetProperty("checkoutRevenue").GetDecimal(), Is.Zero);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/conversations/c1");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", theirs);
        using var foreign = await _system.Http.SendAsync(request);
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another company's conversation is not visible");
    }

    [Test]
    public async Task The_operator_revokes_a_token_and_it_reads_nothing_from_then_on()
    {
        using var created = await _system.AdminAsync(HttpMethod.Post, $"/v1/admin/companies/{_shop.CompanyKey}/viewer-tokens", new { name = "Temp" });
        var json = await created.Content.ReadFromJsonAsync<JsonElement>();
        var (id, token) = (json.GetProperty("id").GetString()!, json.GetProperty("viewerToken").GetString()!);
        await GetAsync(token, "/v1/revenue/summary");

        using (var foreign = await _system.AdminAsync(HttpMethod.Delete, $"/v1/admin/companies/{_other.CompanyKey}/viewer-tokens/{id}", new { }))
            Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another company's key cannot revoke it");
        using (var revoked = await _system.AdminAsync(HttpMethod.Delete, $"/v1/admin/companies/{_shop.CompanyKey}/viewer-tokens/{id}", new { }))
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/revenue/summary");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var after = await _system.Http.SendAsync(request);
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Making_a_token_needs_the_operator_a_name_and_a_company()
    {
        using (var noName = await _system.AdminAsync(HttpMethod.Post, $"/v1/admin/companies/{_shop.CompanyKey}/viewer-tokens", new { name = "" }))
        {
            Assert.That(noName.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That((await noName.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("name", out _), Is.True);
        }
        using (var unknown = await _system.AdminAsync(HttpMethod.Post, "/v1/admin/companies/ck_nobody/viewer-tokens", new { name = "X" }))
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        using (var badId = await _system.AdminAsync(HttpMethod.Delete, $"/v1/admin/companies/{_shop.CompanyKey}/viewer-tokens/not-a-uuid", new { }))
            Assert.That(badId.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var asServer = await _shop.PostAsServerAsync($"/v1/admin/companies/{_shop.CompanyKey}/viewer-tokens", new { name = "X" });
        Assert.That(asServer.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the API secret is not the operator");
    }

    private async Task<string> CreateTokenAsync(TestCompany company, string name)
    {
        using var response = await _system.AdminAsync(HttpMethod.Post, $"/v1/admin/companies/{company.CompanyKey}/viewer-tokens", new { name });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), body);
        var token = JsonDocument.Parse(body).RootElement.GetProperty("viewerToken").GetString()!;
        Assert.That(token, Does.StartWith("vt_"));
        return token;
    }

    private async Task<JsonElement> GetAsync(string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _system.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<Guid> OrderEventIdAsync() =>
        (await _shop.GetJsonAsync("/v1/attribution/orders/o1")).GetProperty("eventId").GetGuid();

    /// <summary>A path with its parameters filled in with things the shop has (so §6 reads answer 200).</summary>
    private string Concrete(string path, Guid eventId) => path
        .Replace("{companyKey}", _shop.CompanyKey, StringComparison.Ordinal)
        .Replace("{conversationId}", "c1", StringComparison.Ordinal)
        .Replace("{orderId}", "o1", StringComparison.Ordinal)
        .Replace("{eventId}", eventId.ToString(), StringComparison.Ordinal)
        .Replace("{fingerprint}", "fp_v", StringComparison.Ordinal)
        .Replace("{kind}", "cart", StringComparison.Ordinal)
        .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{replayId}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
}
