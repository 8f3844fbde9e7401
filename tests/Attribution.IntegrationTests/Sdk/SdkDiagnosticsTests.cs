using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Sdk;

/// <summary>
/// POST /v1/events/sdk-diagnostics (contract §8): the SDK's client-side rejections, counted by
/// "&lt;field&gt;: &lt;reason&gt;", appear in the company's data-quality report beside the server's own.
/// </summary>
[NonParallelizable]
public sealed class SdkDiagnosticsTests
{
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task The_sdks_rejections_show_in_the_data_quality_report_beside_the_servers()
    {
        var shop = await _system.CreateCompanyAsync("Diagnostics store");
        var other = await _system.CreateCompanyAsync("Diagnostics bystander");

        using (var posted = await shop.PostAsBrowserAsync("/v1/events/sdk-diagnostics",
                   new { rejections = new Dictionary<string, int> { ["currency: bad_currency"] = 3, ["type: unknown_cart_type"] = 1 } }))
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await posted.Content.ReadAsStringAsync());

        // As sendBeacon sends it: text/plain, the key in the query.
        using (var beacon = await _system.Http.PostAsync($"/v1/events/sdk-diagnostics?companyKey={shop.CompanyKey}",
                   new StringContent("{\"rejections\":{\"currency: bad_currency\":2}}", Encoding.UTF8, "text/plain")))
            Assert.That(beacon.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await beacon.Content.ReadAsStringAsync());

        // The server's own rejection of the same kind, for comparison.
        using (var rejected = await shop.PostAsBrowserAsync("/v1/events/cart", new
               {
                   userFingerprint = "fp_1", type = "ITEM_ADDED", productId = "p", productName = "P", value = 1, currency = "usd", quantity = 1,
               }))
            Assert.That(rejected.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        var reasons = (await shop.GetJsonAsync("/v1/data-quality")).GetProperty("reasons").EnumerateArray()
            .ToDictionary(r => r.GetProperty("reason").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(reasons["sdk_bad_currency"].GetProperty("count").GetInt32(), Is.EqualTo(5), "3 + 2, counts not reports");
            Assert.That(reasons["sdk_bad_currency"].GetProperty("label").GetString(), Is.EqualTo("Refused in the browser by the SDK: Bad currency"));
            Assert.That(reasons["sdk_bad_currency"].GetProperty("examples")[0].GetProperty("detail").GetString(), Is.EqualTo("currency: bad_currency (2×)"));
            Assert.That(reasons["sdk_unknown_cart_type"].GetProperty("count").GetInt32(), Is.EqualTo(1));
            Assert.That(reasons["bad_currency"].GetProperty("count").GetInt32(), Is.EqualTo(1), "the server's own, beside it");
        });

        var theirs = (await other.GetJsonAsync("/v1/data-quality")).GetProperty("reasons").EnumerateArray()
            .Select(r => r.GetProperty("reason").GetString()).ToList();
        Assert.That(theirs, Has.None.StartWith("sdk_"), "another company sees none of it");
    }

    [TestCase("{}", "rejections")]
    [TestCase("{\"rejections\":{}}", "rejections")]
    [TestCase("{\"rejections\":[1]}", "rejections")]
    [TestCase("{\"rejections\":{\"currency\":1}}", "rejections.currency")]
    [TestCase("{\"rejections\":{\"currency: Bad Currency\":1}}", "rejections.currency: Bad Currency")]
    [TestCase("{\"rejections\":{\"currency: bad_currency\":0}}", "rejections.currency: bad_currency")]
    [TestCase("{\"rejections\":{\"currency: bad_currency\":1.5}}", "rejections.currency: bad_currency")]
    [TestCase("{\"rejections\":{\"currency: bad_currency\":\"2\"}}", "rejections.currency: bad_currency")]
    public async Task A_bad_report_is_a_400_naming_the_field(string body, string field)
    {
        var shop = await _system.CreateCompanyAsync("Diagnostics validation");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/sdk-diagnostics")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Company-Key", shop.CompanyKey);
        using var response = await _system.Http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.ToString());
    }

    [Test]
    public async Task A_report_needs_a_known_key()
    {
        using var response = await _system.Http.PostAsJsonAsync("/v1/events/sdk-diagnostics",
            new { rejections = new Dictionary<string, int> { ["currency: bad_currency"] = 1 } });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
