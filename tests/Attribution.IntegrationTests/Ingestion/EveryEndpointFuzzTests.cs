using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.IntegrationTests.Infrastructure;
using CsCheck;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// Property-based (CsCheck): generated requests against every operation of the gateway's own
/// OpenAPI document, with hostile strings (NUL and other controls, lone surrogates, invalid UTF-8),
/// numbers (huge, tiny, too precise, fractional counts), deep nesting, edge dates, odd path
/// segments, query strings and headers, signed and unsigned webhooks. The properties: no answer is
/// ever a 5xx, and nothing is stored that was not answered as accepted.
/// </summary>
[NonParallelizable]
public sealed class EveryEndpointFuzzTests
{
    private const string ShopifySecret = "fuzz-shopify-secret";
    private const int Cases = 3_000;

    private RunningSystem _system = null!;
    private TestCompany _company = null!;
    private TestCompany _other = null!;
    private IReadOnlyList<Operation> _operations = [];
    private readonly HashSet<Guid> _accepted = [];
    private readonly Dictionary<int, int> _statuses = [];

    /// <summary>One path and method of the OpenAPI document, with the query parameters it names.</summary>
    public sealed record Operation(string Method, string Path, IReadOnlyList<string> Query);

    /// <summary>What one generated request is made of; turned into an HttpRequestMessage by <see cref="Build"/>.</summary>
    public sealed record Case(Operation Operation, string[] PathValues, (string Name, string Value)[] Query, byte[]? Body, string? ContentType,
        string Auth, string? Origin, bool SignShopify);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        using (var created = await _system.AdminAsync(HttpMethod.Post, "/v1/admin/companies",
                   new { name = "Fuzz target", reportingCurrency = "USD", shopifyWebhookSecret = ShopifySecret, allowedOrigins = new[] { "https://shop.example" } }))
        {
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
            var json = await created.Content.ReadFromJsonAsync<JsonElement>();
            _company = new TestCompany(json.GetProperty("companyKey").GetString()!, json.GetProperty("apiSecret").GetString()!, _system.Http);
        }
        _other = await _system.CreateCompanyAsync("Fuzz bystander");

        using var document = JsonDocument.Parse(await _system.Http.GetStringAsync("/openapi/v1.json"));
        _operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(op => op.Name is "get" or "post" or "put" or "patch" or "delete")
                .Select(op => new Operation(op.Name.ToUpperInvariant(), path.Name,
                    op.Value.TryGetProperty("parameters", out var ps)
                        ? [.. ps.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)]
                        : [])))
            .ToList();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task No_generated_request_to_any_endpoint_gets_a_5xx_and_nothing_rejected_is_stored()
    {
        Assert.That(_operations, Has.Count.GreaterThan(15), "the OpenAPI document lists the gateway's operations");

        await CaseGen(_operations).SampleAsync(async c =>
        {
            using var request = Build(c);
            using var response = await _system.Http.SendAsync(request);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            lock (_statuses) _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
            // Thrown, not asserted: CsCheck then shrinks the case to the smallest that still fails.
            if (status >= 500 && (status != 503 || response.Headers.RetryAfter is null))
                throw new InvalidOperationException($"{c.Operation.Method} {request.RequestUri}: {status} {text}");
            if (status is >= 200 and < 300) Remember(text);
        }, iter: Cases, threads: 2, print: Describe);

        TestContext.Out.WriteLine("statuses: " + string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.That(_statuses.Keys.Where(s => s is >= 200 and < 300), Is.Not.Empty, "some generated requests were valid enough to be accepted");
        Assert.That(_statuses.Keys.Where(s => s == 400), Is.Not.Empty);

        // Whatever was accepted is stored; whatever is stored was accepted (nothing of a 4xx).
        var accepted = _accepted.ToList();
        await Poll.UntilAsync(StoredAsync, n => n == accepted.Count, TimeSpan.FromSeconds(30), "every accepted fuzz event stored");
        await Poll.UntilAsync(CountAsync, n => n > accepted.Count, TimeSpan.FromSeconds(3),
            "a stored event that was never accepted (waiting out late arrivals)", failOnTimeout: false);
        Assert.That(await CountAsync(), Is.EqualTo(accepted.Count), "stored events of the fuzzed companies = the accepted ones");

        async Task<int> StoredAsync() =>
            (await StoredEvents.FindInCompanyAsync(_company.CompanyKey, accepted)).Count + (await StoredEvents.FindInCompanyAsync(_other.CompanyKey, accepted)).Count;
        async Task<long> CountAsync() =>
            await StoredEvents.CountIngestedForCompanyAsync(_company.CompanyKey) + await StoredEvents.CountIngestedForCompanyAsync(_other.CompanyKey);
    }

    // --- generators -----------------------------------------------------------------------------------

    private static readonly string[] NastyStrings =
    [
        "", " ", "a\u0000b", "\u0000", "x\ud800y", "\udc00", "\ud83d\ude00", "bell\u0007", "tab\tnew\nline", "del\u007f", "c1\u0085",
        "\u202Eright-to-left", "ü", "fp_1", "SKU-1", "ORDER-1", "conv_1", "USD", "usd", "XAU", "JPY", "KWD", "ITEM_ADDED", "item_added",
        "CHAT", "FAQ", "NUDGE", "SHOPPER_MESSAGE", "ASSISTANT_ANSWER", "NUDGE_CLICKED", "TOTAL", "CHANGE", "*", "null", "javascript:alert(1)",
        "https://shop.example", "https://shop.example/path?q", "http://[::1]:99999", "UTC", "America/New_York", "Mars/Olympus",
        "0001-01-01", "9999-12-31", "2000-01-01", "2100-12-31", "1999-12-31", "2026-02-30", "2026-11-21T10:00:00Z",
        "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00", "not-a-date", new string('x', 300), new string('y', 5_000),
        "5f0c0000-0000-4000-8000-000000000000", "not-a-guid", "%00", "../../etc/passwd", "' OR 1=1 --", "<script>", "\\", "\"",
    ];

    private static readonly string[] NastyNumbers =
    [
        "0", "-0", "1", "-1", "0.5", "1.5", "79.99", "79.999", "1e400", "-1e400", "1e28", "1e-30", "7.9228162514264337593543950336E+28",
        "79228162514264337593543950336", "1.000000000000000000000000000001", "0.000001", "0.0000001", "1000000", "1000001",
        "2147483648", "-2147483649", "9999999999999999999999", "1E3", "1e+2", "0.10", "1000000000", "1000000000.01", "123456789012345678",
    ];

    private static readonly Gen<string> NastyString = Gen.OneOf(
        Gen.OneOf(NastyStrings),
        Gen.String[Gen.Char, 0, 12],
        Gen.String[Gen.Char["abcXYZ019_-.:"], 1, 20]);

    /// <summary>A JSON value as raw text.</summary>
    private static readonly Gen<string> Scalar = Gen.Frequency(
        (5, NastyString.Select(JsonStringOf)),
        (3, Gen.OneOf(NastyNumbers)),
        (1, Gen.OneOf("true", "false", "null", "{}", "[]")),
        (1, Gen.Int[1, 120].Select(depth => new string('[', depth) + new string(']', depth))),
        (1, Gen.Int[1, 60].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))));

    /// <summary>
    /// A JSON string literal with every control character and every surrogate as its own \uXXXX escape:
    /// a lone surrogate stays one (System.Text.Json would write U+FFFD instead).
    /// </summary>
    private static string JsonStringOf(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return json.Append('"').ToString();
    }

    /// <summary>The field names the contract's bodies use, so mutations hit real fields.</summary>
    private static readonly string[] Fields =
    [
        "eventId", "userFingerprint", "userFaqFingerprint", "type", "productId", "productName", "value", "currency", "quantity", "occurredAt",
        "orderId", "lineItems", "test", "refundId", "amount", "channel", "kind", "conversationId", "text", "helpful", "nudgeId", "variant",
        "events", "name", "reportingCurrency", "timeZone", "attributionWindowHours", "allowedOrigins", "shopifyWebhookSecret", "quantityMode",
        "date", "rates", "id", "total_price", "line_items", "note_attributes", "transactions", "order_id", "created_at", "price", "title",
    ];

    private static Gen<byte[]?> Body(Operation op) => Gen.Frequency(
        (1, Gen.Const((byte[]?)null)),
        (6, Gen.Select(Gen.Int[0, Templates.Length - 1], Gen.Int[0, 3], Gen.OneOf(Fields).Array[4], Scalar.Array[4], Gen.Int[0, 6])
            .Select((template, mutations, fields, values, breakage) => (byte[]?)Mutate(Template(op, template), mutations, fields, values, breakage))),
        (2, Gen.Select(Gen.OneOf(Fields).Array[0, 6], Scalar.Array[6]).Select((names, values) =>
            (byte[]?)Encoding.UTF8.GetBytes("{" + string.Join(",", names.Select((n, i) => $"\"{n}\":{values[i]}")) + "}"))),
        (1, Gen.Byte.Array[0, 64].Select(bytes => (byte[]?)bytes)));

    private static readonly Func<string, string>[] Templates =
    [
        now => $$"""{"eventId":"{{Guid.NewGuid()}}","userFingerprint":"fp_fuzz","type":"ITEM_ADDED","productId":"SKU-1","productName":"Shoe","value":79.99,"currency":"USD","quantity":1,"occurredAt":"{{now}}"}""",
        now => $$"""{"eventId":"{{Guid.NewGuid()}}","userFingerprint":"fp_fuzz","orderId":"ORDER-{{Guid.NewGuid():N}}","value":199.97,"currency":"USD","lineItems":[{"productId":"SKU-1","productName":"Shoe","quantity":1,"value":79.99,"currency":"USD"}],"occurredAt":"{{now}}"}""",
        now => $$"""{"eventId":"{{Guid.NewGuid()}}","userFingerprint":"fp_fuzz","channel":"CHAT","kind":"SHOPPER_MESSAGE","conversationId":"conv_fuzz","text":"shoes?","variant":"A","occurredAt":"{{now}}"}""",
        now => $$"""{"eventId":"{{Guid.NewGuid()}}","refundId":"R-{{Guid.NewGuid():N}}","orderId":"ORDER-1","amount":10.00,"currency":"USD","occurredAt":"{{now}}"}""",
        now => $$"""{"events":[{"kind":"cart","eventId":"{{Guid.NewGuid()}}","userFingerprint":"fp_fuzz","type":"ITEM_ADDED","productId":"SKU-1","productName":"Shoe","value":1,"currency":"USD","quantity":1},{"kind":"interaction","eventId":"{{Guid.NewGuid()}}","userFingerprint":"fp_fuzz","channel":"NUDGE","kind":"NUDGE_CLICKED","nudgeId":"n1"}]}""",
        _ => """{"name":"Fuzz shop","reportingCurrency":"USD","timeZone":"Europe/Paris","attributionWindowHours":48,"allowedOrigins":["https://a.example"]}""",
        _ => """{"date":"2026-11-01","rates":{"EUR":1.08,"JPY":0.0067}}""",
        now => $$"""{"id":{{Random.Shared.NextInt64(1, long.MaxValue)}},"total_price":"500.00","currency":"USD","created_at":"{{now}}","line_items":[{"product_id":1,"title":"Shoe","quantity":1,"price":"500.00"}],"note_attributes":[{"name":"_attribution_fingerprint","value":"fp_fuzz"}]}""",
        now => $$"""{"id":{{Random.Shared.NextInt64(1, long.MaxValue)}},"order_id":1,"created_at":"{{now}}","transactions":[{"kind":"refund","status":"success","amount":"5.00","currency":"USD"}]}""",
    ];

    private static string Template(Operation op, int pick)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        // Prefer the template that fits the path, so most cases get past the shape checks to the field checks.
        var fitting = op.Path switch
        {
            var p when p.EndsWith("/cart", StringComparison.Ordinal) => 0,
            var p when p.EndsWith("/checkout", StringComparison.Ordinal) => 1,
            var p when p.EndsWith("/interactions", StringComparison.Ordinal) => 2,
            var p when p.EndsWith("/refund", StringComparison.Ordinal) => 3,
            var p when p.EndsWith("/batch", StringComparison.Ordinal) => 4,
            var p when p.EndsWith("/fx-rates", StringComparison.Ordinal) => 6,
            var p when p.Contains("admin/companies", StringComparison.Ordinal) => 5,
            var p when p.EndsWith("orders-create", StringComparison.Ordinal) => 7,
            var p when p.EndsWith("refunds-create", StringComparison.Ordinal) => 8,
            _ => pick,
        };
        return Templates[pick % 3 == 0 ? pick : fitting](now);
    }

    /// <summary>Sets a few fields of the template to generated raw values, and may break the bytes (invalid UTF-8, truncation).</summary>
    private static byte[] Mutate(string template, int mutations, string[] fields, string[] values, int breakage)
    {
        var node = JsonNode.Parse(template)!.AsObject();
        var target = node["events"] is JsonArray { Count: > 0 } events && breakage % 2 == 0 ? events[0]!.AsObject() : node;
        var changed = fields.Take(mutations).Distinct().ToList();
        foreach (var field in changed) target.Remove(field);
        // The generated values are spliced in as raw text: they may be what no JSON library would write.
        var before = target.ToJsonString();
        var pairs = changed.Select(f => $"\"{f}\":{values[fields.ToList().IndexOf(f)]}").ToList();
        var after = pairs.Count == 0 ? before : "{" + string.Join(",", pairs) + (before.Length > 2 ? "," + before[1..] : "}");
        var json = ReferenceEquals(target, node) ? after : node.ToJsonString().Replace(before, after, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(json);
        return breakage switch
        {
            1 => InsertInFirstString(bytes, [0xC3, 0x28]),        // a broken two-byte sequence
            2 => InsertInFirstString(bytes, [0xED, 0xA0, 0x80]),  // a surrogate encoded as UTF-8
            3 => InsertInFirstString(bytes, [0xFF]),
            4 => bytes[..Math.Max(1, bytes.Length / 2)],         // truncated
            _ => bytes,
        };
    }

    private static byte[] InsertInFirstString(byte[] json, byte[] raw)
    {
        var at = Array.IndexOf(json, (byte)':');
        at = at < 0 ? -1 : Array.IndexOf(json, (byte)'"', at);
        if (at < 0) return json;
        return [.. json[..(at + 1)], .. raw, .. json[(at + 1)..]];
    }

    private Gen<Case> CaseGen(IReadOnlyList<Operation> operations) =>
        Gen.Int[0, operations.Count - 1].SelectMany(i =>
        {
            var op = operations[i];
            var segments = op.Path.Split('/').Count(s => s.StartsWith('{'));
            return Gen.Select(
                PathValue.Array[segments],
                Gen.Select(Gen.OneOf(op.Query.Count > 0 ? [.. op.Query, "from", "to", "currency"] : new[] { "from", "to", "currency", "x" }), QueryValue).Array[0, 4],
                Body(op),
                Gen.OneOf<string?>("application/json", "application/json", "text/plain", "application/json; charset=utf-8", null, "application/xml", "multipart/form-data"),
                Gen.OneOf("server", "server", "browser", "admin", "other-server", "garbage", "none", "browser-query"),
                Gen.OneOf<string?>(null, null, "https://shop.example", "https://evil.example", "null", "javascript:alert(1)", "https://shop.example:443/path"),
                Gen.Bool)
                .Select((path, query, body, type, auth, origin, sign) => new Case(op, path, query, body, type, auth, origin, sign));
        });

    private Gen<string> PathValue => Gen.Frequency(
        (3, Gen.OneOf(_company.CompanyKey, _other.CompanyKey, Guid.NewGuid().ToString(), "fp_fuzz", "ORDER-1", "conv_fuzz")),
        (2, NastyString));

    private static readonly Gen<string> QueryValue = Gen.Frequency(
        (3, Gen.OneOf("2026-11-01", "2026-12-04", "0001-01-01", "9999-12-31", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01", "2026-02-30",
            "2020-01-01", "EUR", "USD", "JPY", "XXX", "revenue", "recent", "-1", "0", "1000000000", "abc")),
        (1, NastyString));

    private HttpRequestMessage Build(Case c)
    {
        var values = new Queue<string>(c.PathValues);
        var path = string.Join('/', c.Operation.Path.Split('/').Select(s => s.StartsWith('{') ? Uri.EscapeDataString(values.Dequeue()) : s));
        var query = c.Query.Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value)}").ToList();
        if (c.Auth == "browser-query") query.Add("companyKey=" + Uri.EscapeDataString(_company.CompanyKey));
        var request = new HttpRequestMessage(new HttpMethod(c.Operation.Method), path + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            if (c.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            if (c.SignShopify)
                request.Headers.Add("X-Shopify-Hmac-Sha256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ShopifySecret), c.Body)));
        }
        switch (c.Auth)
        {
            case "server": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _company.ApiSecret); break;
            case "other-server": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _other.ApiSecret); break;
            case "admin": request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningSystem.AdminToken); break;
            case "browser": request.Headers.Add("X-Company-Key", _company.CompanyKey); break;
            case "garbage": request.Headers.TryAddWithoutValidation("Authorization", "Basic bm90OmEtc2VjcmV0"); break;
        }
        if (c.Origin is not null) request.Headers.TryAddWithoutValidation("Origin", c.Origin);
        return request;
    }

    private static string Describe(Case c) =>
        $"{c.Operation.Method} {c.Operation.Path} path=[{string.Join(", ", c.PathValues.Select(Escape))}] " +
        $"query=[{string.Join("&", c.Query.Select(q => q.Name + "=" + Escape(q.Value)))}] auth={c.Auth} origin={c.Origin} type={c.ContentType} " +
        $"signed={c.SignShopify} body={(c.Body is null ? "none" : Escape(Encoding.UTF8.GetString(c.Body[..Math.Min(c.Body.Length, 400)])))}";

    private static string Escape(string s) => JsonSerializer.Serialize(s.Length > 80 ? s[..80] + "…" : s);

    /// <summary>Keeps the event ids an answer accepted: a single event's, a batch's accepted results, a webhook's.</summary>
    private void Remember(string text)
    {
        if (string.IsNullOrEmpty(text) || text[0] != '{') return;
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        var ids = new List<Guid>();
        if (root.TryGetProperty("status", out var status) && status.GetString() == "accepted" && root.TryGetProperty("eventId", out var id))
            ids.Add(id.GetGuid());
        if (root.TryGetProperty("results", out var results))
            ids.AddRange(results.EnumerateArray()
                .Where(r => r.GetProperty("status").GetString() == "accepted")
                .Select(r => r.GetProperty("eventId").GetGuid()));
        lock (_accepted) _accepted.UnionWith(ids);
    }
}
