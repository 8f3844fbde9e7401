using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Decisions;

/// <summary>
/// The seed's "Full Loop" (a WooCommerce store): a chat about running shoes with a helpful answer,
/// two items added, checkout ORDER-7890 of 199.97 USD credited to that conversation; and its
/// negative twins. HTTP → RabbitMQ → event store → attribution reactor → explain.
/// </summary>
[NonParallelizable]
public sealed class SeedLoopTests
{
    private RunningSystem _system = null!;
    private TestCompany _store = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _store = await _system.CreateCompanyAsync("WooCommerce running store");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static string At(DateTimeOffset t) => WireTime.Of(t);

    private async Task Interaction(string fp, string kind, DateTimeOffset at, string? text = null, bool? helpful = null, string conversation = "conv_42")
    {
        var body = new Dictionary<string, object?>
        {
            ["userFingerprint"] = fp, ["channel"] = "CHAT", ["kind"] = kind, ["occurredAt"] = At(at), ["variant"] = "B",
        };
        if (kind is "SHOPPER_MESSAGE" or "ASSISTANT_ANSWER") body["conversationId"] = conversation;
        if (text is not null) body["text"] = text;
        if (helpful is not null) body["helpful"] = helpful;
        using var response = await _store.PostAsServerAsync("/v1/events/interactions", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
    }

    private async Task<string> AddToCartAndCheckout(string fp, DateTimeOffset at)
    {
        var orderId = "ORDER-7890-" + Guid.NewGuid().ToString("N")[..6];
        foreach (var (sku, name, price, qty) in new[] { ("SKU-1234", "Black Running Shoes", 79.99m, 1), ("SKU-5678", "Running Socks (2-pack)", 59.99m, 2) })
        {
            using var cart = await _store.PostAsBrowserAsync("/v1/events/cart", new
            {
                userFingerprint = fp, type = "ITEM_ADDED", productId = sku, productName = name, value = price, currency = "USD", quantity = qty, occurredAt = At(at),
            });
            Assert.That(cart.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        using var checkout = await _store.PostAsBrowserAsync("/v1/events/checkout", new
        {
            userFingerprint = fp, orderId, value = 199.97m, currency = "USD", occurredAt = At(at.AddMinutes(5)),
            lineItems = new object[]
            {
                new { productId = "SKU-1234", productName = "Black Running Shoes", quantity = 1, value = 79.99m, currency = "USD" },
                new { productId = "SKU-5678", productName = "Running Socks (2-pack)", quantity = 2, value = 59.99m, currency = "USD" },
            },
        });
        Assert.That(checkout.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return orderId;
    }

    // Interactions and checkouts travel on different queues, so a first decision may precede the
    // interactions; wait for the decision that has seen them all (it is revised when they arrive).
    private async Task<JsonElement> Explain(string orderId, Func<JsonElement, bool> seenAll) =>
        await Poll.UntilAsync(async () =>
        {
            using var r = await _store.GetAsServerAsync($"/v1/attribution/orders/{orderId}");
            return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object && seenAll(e), TimeSpan.FromSeconds(20), $"the decision for {orderId}");

    private static bool HasReason(JsonElement e, string reason) =>
        e.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains(reason, StringComparison.Ordinal));

    [Test]
    public async Task The_full_loop_credits_order_7890_to_the_running_shoes_conversation()
    {
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..10];
        var t = DateTimeOffset.UtcNow.AddHours(-3);
        await Interaction(fp, "WIDGET_LOADED", t);
        await Interaction(fp, "SHOPPER_MESSAGE", t.AddMinutes(1), text: "running shoes for flat feet?");
        await Interaction(fp, "ASSISTANT_ANSWER", t.AddMinutes(2), helpful: true);
        var orderId = await AddToCartAndCheckout(fp, t.AddHours(2));

        var explained = await Explain(orderId, e => e.GetProperty("attributed").GetBoolean() && HasReason(e, "never qualify"));

        Assert.That(explained.GetProperty("attributed").GetBoolean(), Is.True, explained.ToString());
        Assert.That(explained.GetProperty("counted").GetBoolean(), Is.True);
        Assert.That(explained.GetProperty("amount").GetDecimal(), Is.EqualTo(199.97m));
        var credited = explained.GetProperty("creditedInteraction");
        Assert.That(credited.GetProperty("channel").GetString(), Is.EqualTo("CHAT"));
        Assert.That(credited.GetProperty("conversationId").GetString(), Is.EqualTo("conv_42"));
        Assert.That(credited.GetProperty("variant").GetString(), Is.EqualTo("B"));
        Assert.That(explained.GetProperty("windowHours").GetInt32(), Is.EqualTo(24));
        Assert.That(explained.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=24h"));
        Assert.That(explained.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()), Has.Some.Contains("never qualify"));
    }

    [Test]
    public async Task A_product_faq_exchange_joins_the_visitor_through_the_faq_fingerprint()
    {
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..10];
        var faq = "faq_" + Guid.NewGuid().ToString("N")[..10];
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        foreach (var body in new object[]
        {
            new { userFaqFingerprint = faq, channel = "FAQ", kind = "SHOPPER_MESSAGE", conversationId = "faq_conv", text = "is this waterproof?", occurredAt = At(t) },
            new { userFaqFingerprint = faq, channel = "FAQ", kind = "ASSISTANT_ANSWER", conversationId = "faq_conv", helpful = true, occurredAt = At(t.AddMinutes(1)) },
        })
        {
            using var r = await _store.PostAsServerAsync("/v1/events/interactions", body);
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        using var checkout = await _store.PostAsBrowserAsync("/v1/events/checkout", new
        {
            userFingerprint = fp, userFaqFingerprint = faq, orderId = "FAQ-" + fp, value = 42.00m, currency = "USD", occurredAt = At(t.AddHours(1)),
        });
        Assert.That(checkout.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var explained = await Explain("FAQ-" + fp, e => e.GetProperty("attributed").GetBoolean());

        Assert.That(explained.GetProperty("creditedInteraction").GetProperty("channel").GetString(), Is.EqualTo("FAQ"));
        Assert.That(explained.GetProperty("creditedInteraction").GetProperty("conversationId").GetString(), Is.EqualTo("faq_conv"));
    }

    [Test]
    public async Task The_same_order_from_the_browser_and_the_server_counts_once_as_the_verified_copy_joined_to_the_browsers_visitor()
    {
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..10];
        var orderId = "DUP-" + fp;
        using var fromServer = await _store.PostAsServerAsync("/v1/events/checkout", new { orderId, value = 80.00m, currency = "USD" }); // no fingerprint
        using var fromBrowser = await _store.PostAsBrowserAsync("/v1/events/checkout", new { userFingerprint = fp, orderId, value = 80.00m, currency = "USD" });
        using var refresh = await _store.PostAsBrowserAsync("/v1/events/checkout", new { userFingerprint = fp, orderId, value = 80.00m, currency = "USD" });
        Assert.That(new[] { fromServer.StatusCode, fromBrowser.StatusCode, refresh.StatusCode }, Is.All.EqualTo(HttpStatusCode.Accepted));
        var serverEventId = (await fromServer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetString();

        var counted = await Poll.UntilAsync(async () =>
        {
            await using var cmd = TestServices.Database.CreateCommand(
                "SELECT (data->>'counted')::boolean, data->>'userFingerprint', data->>'sourceEventId' FROM event_store.documents WHERE type = 'attribution_decision' AND data->>'orderId' = $1");
            cmd.Parameters.AddWithValue(orderId);
            var rows = new List<(bool Counted, string? Fingerprint, string Source)>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add((reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2)));
            return rows;
        }, rows => rows.Count == 3 && rows.Count(r => r.Counted) == 1 && rows.Single(r => r.Counted).Fingerprint == fp,
            TimeSpan.FromSeconds(20), "three copies decided, exactly one counted");

        Assert.That(counted.Count(r => r.Counted), Is.EqualTo(1));
        Assert.That(counted.Single(r => r.Counted).Source, Is.EqualTo(serverEventId), "the copy sent with the apiSecret is verified: it is the one that counts");
        Assert.That(counted.Single(r => r.Counted).Fingerprint, Is.EqualTo(fp), "judged on the journey of the visitor the browser's copy names");
    }

    private static IEnumerable<TestCaseData> NegativeTwins()
    {
        yield return new TestCaseData("hi", true, 2.0, false, "no real shopper message").SetName("Only hi is not attributed");
        yield return new TestCaseData(null, true, 2.0, false, "No conversation").SetName("Widget only is not attributed");
        yield return new TestCaseData("running shoes for flat feet?", false, 2.0, false, "no answer was marked helpful").SetName("An unhelpful answer is not attributed");
        yield return new TestCaseData("running shoes for flat feet?", true, 30.0, false, "outside the 24 h window").SetName("A checkout 30 h after the chat is outside a 24 h window");
    }

    [TestCaseSource(nameof(NegativeTwins))]
    public async Task Negative_twins(string? message, bool helpful, double hoursLater, bool attributed, string reason)
    {
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..10];
        var t = DateTimeOffset.UtcNow.AddHours(-hoursLater - 1);
        await Interaction(fp, "WIDGET_LOADED", t);
        if (message is not null)
        {
            await Interaction(fp, "SHOPPER_MESSAGE", t.AddMinutes(1), text: message);
            await Interaction(fp, "ASSISTANT_ANSWER", t.AddMinutes(2), helpful: helpful);
        }
        var orderId = await AddToCartAndCheckout(fp, t.AddMinutes(2).AddHours(hoursLater));

        var explained = await Explain(orderId, e => HasReason(e, reason));

        Assert.That(explained.GetProperty("attributed").GetBoolean(), Is.EqualTo(attributed), explained.ToString());
        Assert.That(explained.GetProperty("creditedInteraction").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(explained.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()), Has.Some.Contains(reason));
    }
}
