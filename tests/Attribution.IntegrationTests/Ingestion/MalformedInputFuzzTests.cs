using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// 1,000+ generated malformed bodies: each breaks at least one rule for sure (plus random noise),
/// and the gateway must answer 4xx to every one and store none of them.
/// </summary>
[NonParallelizable]
public sealed class MalformedInputFuzzTests
{
    private static readonly Func<Random, JsonObject, string?>[] Breakers =
    [
        (r, b) => b.ToJsonString()[..r.Next(1, b.ToJsonString().Length - 1)],                 // truncated JSON
        (r, _) => Encoding.Latin1.GetString(Bytes(r, r.Next(1, 200))),                         // noise
        (_, b) => { b.Remove("type"); return null; },
        (r, b) => { b["type"] = Pick(r, "item_added", "ITEM_added", "ADD", "", " ITEM_ADDED", "ITEM_ADDED ", "REMOVED"); return null; },
        (r, b) => { b["value"] = Pick(r, -0.01m, -1m, 1_000_000_000.01m, 79.999m); return null; },
        (r, b) => { b["value"] = Pick(r, "79.99", "NaN", "Infinity", "1e400"); return null; },
        (r, b) => { b["currency"] = Pick(r, "usd", "US", "USDD", "XYZ", "XAU", "", "€"); return null; },
        (r, b) => { b["quantity"] = Pick(r, 0, -1, 1_000_001, 1.5m); return null; },
        (r, b) => { b["quantity"] = JsonValue.Create(Pick(r, "1", "one")); return null; },
        (r, b) => { b.Remove(Pick(r, "productId", "productName", "value", "currency", "quantity")); return null; },
        (r, b) => { b["productId"] = Pick(r, "", new string('p', 257)); return null; },
        (_, b) => { b.Remove("userFingerprint"); b.Remove("userFaqFingerprint"); return null; },
        (r, b) => { b["userFingerprint"] = Pick(r, "has space", "fp/1", "ü", new string('f', 129)); return null; },
        (r, b) => { b["occurredAt"] = Pick(r, "yesterday", "2026-11-21", "2026-11-21T10:00:00", "2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z"); return null; },
        (r, b) => { b["eventId"] = Pick(r, "x", "123", "not-a-guid-at-all"); return null; },
        (r, _) => Pick(r, "[]", "42", "\"text\"", "null", "true", ""),
        (r, _) => new string('[', r.Next(40, 200)) + new string(']', 1),                      // deeper than allowed
    ];

    [Test]
    public async Task A_thousand_malformed_bodies_get_only_4xx_and_store_nothing()
    {
        await using var system = await RunningSystem.StartAsync();
        var company = await system.CreateCompanyAsync("Fuzz target");
        var random = new Random(20261121);
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < 1_100; i++)
        {
            var body = JsonNode.Parse(JsonSerializer.Serialize(Cart("fp_fuzz")))!.AsObject();
            AddNoise(random, body);
            var raw = Breakers[i % Breakers.Length](random, body) ?? body.ToJsonString();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events/cart") { Content = new StringContent(raw, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Company-Key", company.CompanyKey);
            using var response = await system.Http.SendAsync(request);
            var code = (int)response.StatusCode;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            Assert.That(code, Is.InRange(400, 499), $"body #{i} answered {code}: {raw[..Math.Min(raw.Length, 200)]}");
        }

        // A valid marker proves the pipeline was flowing; once it is stored, nothing else may be.
        var marker = Cart("fp_fuzz_marker");
        using (var ok = await company.PostAsBrowserAsync("/v1/events/cart", marker))
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await StoredEvents.WaitForAsync([IdOf(marker)], "the marker stored");
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(1), "only the marker is stored");
        Assert.That(statuses.Keys, Is.All.EqualTo(400), "malformed bodies are validation errors");
    }

    // Random extra damage or harmless extras on other fields; never repairs what a breaker broke.
    private static void AddNoise(Random r, JsonObject body)
    {
        if (r.Next(4) == 0) body["unknownField" + r.Next(100)] = r.Next();
        if (r.Next(6) == 0) body["productName"] = new string((char)r.Next('a', 'z'), r.Next(1, 600));
        if (r.Next(8) == 0) body["value"] = Math.Round((decimal)r.NextDouble() * 1000m, r.Next(0, 4));
    }

    private static T Pick<T>(Random r, params T[] options) => options[r.Next(options.Length)];

    private static byte[] Bytes(Random r, int n)
    {
        var bytes = new byte[n];
        r.NextBytes(bytes);
        bytes[0] = (byte)'x'; // never accidentally a valid JSON start
        return bytes;
    }
}
