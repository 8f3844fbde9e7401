using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>HTTP → gateway → RabbitMQ → engine → event store → projection → GET, all real.</summary>
[NonParallelizable]
public sealed class CartEventFlowTests
{
    private RunningSystem _system = null!;
    private TestCompany _company = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _company = await _system.CreateCompanyAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static object CartEvent(string fingerprint, string type = "ITEM_ADDED", string productId = "SKU-1234",
        decimal value = 79.99m, int quantity = 1, Guid? eventId = null) => new
    {
        eventId = (eventId ?? Guid.NewGuid()).ToString(),
        userFingerprint = fingerprint,
        type,
        productId,
        productName = "Black Running Shoes",
        value,
        currency = "USD",
        quantity,
    };

    private async Task<JsonElement> WaitForCart(string fingerprint, Func<JsonElement, bool> done, string what) =>
        await Poll.UntilAsync(async () =>
        {
            using var response = await _company.GetAsServerAsync($"/v1/visitors/{fingerprint}/cart");
            return response.StatusCode == HttpStatusCode.OK
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone()
                : default;
        }, cart => cart.ValueKind == JsonValueKind.Object && done(cart), TimeSpan.FromSeconds(15), what);

    [Test]
    public async Task A_posted_cart_event_is_accepted_and_reaches_the_read_model()
    {
        var fingerprint = "fp_" + Guid.NewGuid().ToString("N");

        using var added = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, quantity: 2));
        using var more = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, "QUANTITY_INCREASED", quantity: 1));
        using var socks = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, productId: "SKU-5678", value: 59.99m));

        Assert.That(added.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await added.Content.ReadAsStringAsync());
        var body = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("accepted"));
        Assert.That(Guid.TryParse(body.GetProperty("eventId").GetString(), out _), Is.True);

        var cart = await WaitForCart(fingerprint, c => c.GetProperty("eventCount").GetInt32() == 3, "three cart events projected");
        var lines = cart.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("productId").GetString()!);
        Assert.That(lines["SKU-1234"].GetProperty("quantity").GetInt32(), Is.EqualTo(3));
        Assert.That(lines["SKU-1234"].GetProperty("unitValue").GetDecimal(), Is.EqualTo(79.99m));
        Assert.That(lines["SKU-5678"].GetProperty("quantity").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_event_id_posted_twice_counts_once()
    {
        var fingerprint = "fp_" + Guid.NewGuid().ToString("N");
        var eventId = Guid.NewGuid();

        using var first = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, quantity: 4, eventId: eventId));
        using var retry = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, quantity: 4, eventId: eventId));
        using var marker = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint, productId: "SKU-MARK"));
        Assert.That(new[] { first.StatusCode, retry.StatusCode, marker.StatusCode }, Is.All.EqualTo(HttpStatusCode.Accepted));

        // Wait for the marker (posted after both copies) so both copies had every chance to be counted.
        var cart = await WaitForCart(fingerprint, c => c.GetProperty("lines").EnumerateArray().Any(l => l.GetProperty("productId").GetString() == "SKU-MARK"), "marker projected");
        Assert.That(cart.GetProperty("eventCount").GetInt32(), Is.EqualTo(2));
        var shoes = cart.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("productId").GetString() == "SKU-1234");
        Assert.That(shoes.GetProperty("quantity").GetInt32(), Is.EqualTo(4));
    }

    [Test]
    public async Task Cart_events_that_arrive_out_of_order_give_the_cart_they_happened_in_and_TOTAL_mode_reads_quantities_as_totals()
    {
        var shop = await _system.CreateCompanyAsync("Late cart shop");
        var fingerprint = "fp_" + Guid.NewGuid().ToString("N");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10);
        object At(string type, int quantity, int minute) => new Dictionary<string, object?>
        {
            ["eventId"] = Guid.NewGuid().ToString(), ["userFingerprint"] = fingerprint, ["type"] = type, ["productId"] = "SKU-1",
            ["productName"] = "Shoe", ["value"] = 10m, ["currency"] = "USD", ["quantity"] = quantity,
            ["occurredAt"] = t0.AddMinutes(minute).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        };

        // Happened: added 2, decreased 1, increased 3. Arrive: the decrease, the increase, then the add.
        foreach (var body in new[] { At("QUANTITY_DECREASED", 1, 1), At("QUANTITY_INCREASED", 3, 2), At("ITEM_ADDED", 2, 0) })
        {
            using var posted = await shop.PostAsBrowserAsync("/v1/events/cart", body);
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await posted.Content.ReadAsStringAsync());
        }

        async Task<JsonElement> CartAsync(Func<JsonElement, bool> done, string what) => await Poll.UntilAsync(async () =>
        {
            using var response = await shop.GetAsServerAsync($"/v1/visitors/{fingerprint}/cart");
            return response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone() : default;
        }, c => c.ValueKind == JsonValueKind.Object && done(c), TimeSpan.FromSeconds(15), what);
        static int Units(JsonElement cart) => cart.GetProperty("lines").EnumerateArray().Sum(l => l.GetProperty("quantity").GetInt32());

        var changes = await CartAsync(c => c.GetProperty("eventCount").GetInt32() == 3, "three cart events projected");
        Assert.That(Units(changes), Is.EqualTo(4), "2 - 1 + 3 as they happened (arrival order would give 5)");
        Assert.That(changes.GetProperty("decreasesBelowZero").GetInt32(), Is.Zero, "the late add explains the decrease");
        Assert.That(changes.GetProperty("lastOccurredAt").GetDateTimeOffset(), Is.EqualTo(t0.AddMinutes(2)).Within(TimeSpan.FromMilliseconds(1)));

        using (var patch = await _system.AdminAsync(HttpMethod.Patch, $"/v1/admin/companies/{shop.CompanyKey}", new { quantityMode = "TOTAL" }))
            Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var totals = await CartAsync(c => Units(c) == 3, "the cart read in TOTAL mode: the last total, 3");
        Assert.That(Units(totals), Is.EqualTo(3), "the last total, by occurredAt");
    }

    [Test]
    public async Task One_trace_id_runs_from_the_request_through_the_broker_to_the_projection()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var projected = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Microsoft.AspNetCore" or "MassTransit" || s.Name.StartsWith("Attribution.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.TraceId != traceId) return;
                seen.Add($"{a.Source.Name}:{a.OperationName}");
                if (a.OperationName.StartsWith("project visitor_carts", StringComparison.Ordinal)) projected.TrySetResult(a);
            },
        };
        ActivitySource.AddActivityListener(listener);

        var fingerprint = "fp_" + Guid.NewGuid().ToString("N");
        using var response = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent(fingerprint),
            r => r.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var projection = await projected.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.That(projection.TraceId, Is.EqualTo(traceId));
        Assert.That(seen, Has.Some.StartsWith("MassTransit:"), "the broker hop is in the same trace");
        Assert.That(seen, Has.Some.StartsWith("Attribution.EventStore:event_store append"), "the append is in the same trace");
    }

    [Test]
    public async Task An_unknown_cart_type_is_a_400_that_names_the_field_and_the_allowed_values()
    {
        using var response = await _company.PostAsBrowserAsync("/v1/events/cart", CartEvent("fp_x", type: "item_added"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/problem+json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var message = problem.GetProperty("errors").GetProperty("type")[0].GetString();
        Assert.That(message, Does.Contain("ITEM_ADDED").And.Contain("QUANTITY_INCREASED").And.Contain("QUANTITY_DECREASED").And.Contain("ITEM_REMOVED"));
    }

    [Test]
    public async Task Calls_without_a_known_company_key_are_401()
    {
        using var none = await _system.Http.PostAsJsonAsync("/v1/events/cart", CartEvent("fp_x"));
        using var unknown = await new TestCompany("ck_unknown", "sk_unknown", _system.Http).PostAsBrowserAsync("/v1/events/cart", CartEvent("fp_x"));

        Assert.That(none.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Healthz_is_200_when_broker_and_database_are_reachable()
    {
        var status = await Poll.UntilAsync(async () =>
        {
            using var r = await _system.Http.GetAsync("/healthz");
            return r.StatusCode;
        }, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "healthz 200");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
    }
}
