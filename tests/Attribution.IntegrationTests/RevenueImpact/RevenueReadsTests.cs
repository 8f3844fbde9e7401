using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.RevenueImpact;

/// <summary>
/// Every Revenue Impact read (contract §6) against hand-computed figures, for one data set sent to
/// two companies that differ only in time zone: America/Bogota (UTC−5) and Asia/Tokyo (UTC+9), both
/// without daylight saving so the expected days are plain arithmetic. The data set spans four days
/// and three currencies (USD; EUR with a rate that changes on day 1; GBP with no rate), two A/B
/// variants, an order sent twice, a refund, and a decision revised by a late interaction.
///
/// Instants are UTC on days D0..D2 (D0 = five days ago); their company days:
/// <code>
///   event (UTC)                              Bogota  Tokyo   what it adds
///   D0 10:00–10:01 chat c1 (v1, variant A)   D0      D0      conversation c1 qualifies
///   D0 10:05 ITEM_ADDED p1 100 USD × 2       D0      D0      cart GMV +200, net +200 (c1)
///   D0 10:10 QUANTITY_DECREASED p1 100 × 1   D0      D0      net −100 (c1)
///   D0 10:12 QUANTITY_DECREASED p3 10 × 1    D0      D0      net −10 (c1); below zero
///   D0 10:30 order o1 150 USD [p1 1×100, p2 2×25], sent twice: counted once (c1, A)
///   D1 03:00–03:01 chat c2 (v2, variant B)   D0      D1
///   D1 03:10 ITEM_ADDED p2 20 EUR × 1        D0      D1      cart GMV +20 EUR = 22 USD (1.10) | 24 USD (1.20)
///   D1 03:30 order o2 80 EUR [p2 4×20]       D0      D1      88 USD | 96 USD (c2, B)
///   D1 12:00 refund of o1: 30 USD            D1      D1      checkout revenue −30 (c1, A)
///   D2 15:00 order o3 50 USD, no chat        D2      D3 (00:00 exactly)  unattributed
///   D2 16:00 order o4 40 USD, anonymous      D2      D3      unattributed, no fingerprint
///   D2 20:00 order o5 60 GBP [p4 1×60]       D2      D3      first unattributed, then revised:
///   D2 19:00–19:01 chat c3 (v4, variant A), sent late       credited to c3; GBP stays unconverted
/// </code>
/// </summary>
[NonParallelizable]
public sealed class RevenueReadsTests
{
    private const string RuleVersion = "qualified-first.v1;window=24h";
    private static readonly DateTimeOffset D0 = new(DateTime.UtcNow.Date.AddDays(-5), TimeSpan.Zero);

    private RunningSystem _system = null!;
    private TestCompany _bogota = null!;
    private TestCompany _tokyo = null!;

    private static string Day(int n) => D0.AddDays(n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Range(int from = 0, int to = 3) => $"from={Day(from)}&to={Day(to)}";

    [OneTimeSetUp]
    public async Task SendTheDataSetAsync()
    {
        _system = await RunningSystem.StartAsync();
        _bogota = await _system.CreateCompanyAsync("Bogota store", timeZone: "America/Bogota");
        _tokyo = await _system.CreateCompanyAsync("Tokyo store", timeZone: "Asia/Tokyo");

        foreach (var company in new[] { _bogota, _tokyo })
        {
            await SetRateAsync(company, Day(0), 1.10m);
            await SetRateAsync(company, Day(1), 1.20m);
            await SendAsync(company, DataSet(), "the data set");
        }
        await Projections.WaitForNonStaleAsync("the data set to be decided and projected");

        foreach (var company in new[] { _bogota, _tokyo })
        {
            var o5 = await ExplainOrderAsync(company, "o5");
            Assert.That(o5.GetProperty("attributed").GetBoolean(), Is.False, "o5 is unattributed before its chat arrives");
            await SendAsync(company, Chat("v4", "c3", "A", D0.AddDays(2).AddHours(19)), "the late chat");
            await SendAsync(company, [new { kind = "refund", refundId = "r1", orderId = "o1", amount = 30.00m, currency = "USD", occurredAt = At(D0.AddDays(1).AddHours(12)) }], "the refund");
        }
        await Projections.WaitForNonStaleAsync("the revision and the refund to be projected");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task The_late_chat_revised_the_order_it_preceded()
    {
        foreach (var company in new[] { _bogota, _tokyo })
        {
            var o5 = await ExplainOrderAsync(company, "o5");
            Assert.That(o5.GetProperty("attributed").GetBoolean(), Is.True);
            Assert.That(o5.GetProperty("revision").GetInt32(), Is.EqualTo(2));
            Assert.That(o5.GetProperty("creditedInteraction").GetProperty("conversationId").GetString(), Is.EqualTo("c3"));
        }
    }

    [Test]
    public async Task Explain_shows_the_visitors_timeline_around_the_order()
    {
        // v1 within a day of o1: the chat, three cart events and both copies of o1; the copy explained is the one that counts.
        var o1 = await ExplainOrderAsync(_bogota, "o1");
        var timeline = o1.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(timeline.Select(e => e.GetProperty("kind").GetString()),
                Is.EqualTo(new[] { "INTERACTION", "INTERACTION", "CART", "CART", "CART", "CHECKOUT", "CHECKOUT" }), o1.ToString());
            Assert.That(timeline[0].GetProperty("conversationId").GetString(), Is.EqualTo("c1"));
            Assert.That(timeline[0].GetProperty("text").GetString(), Is.EqualTo("Which trail shoes for flat feet?"));
            Assert.That(timeline[1].GetProperty("helpful").GetBoolean(), Is.True);
            Assert.That(timeline[2].GetProperty("cartType").GetString(), Is.EqualTo("ITEM_ADDED"));
            Assert.That(timeline[2].GetProperty("productName").GetString(), Is.EqualTo("Trail Shoes"));
            Assert.That(timeline[2].GetProperty("quantity").GetInt32(), Is.EqualTo(2));
            Assert.That(timeline[5].GetProperty("orderId").GetString(), Is.EqualTo("o1"));
            Assert.That(timeline[5].GetProperty("value").GetDecimal(), Is.EqualTo(150.00m));
            Assert.That(timeline.Count(e => e.GetProperty("explained").GetBoolean()), Is.EqualTo(1));
            Assert.That(timeline.Single(e => e.GetProperty("explained").GetBoolean()).GetProperty("eventId").GetGuid(),
                Is.EqualTo(o1.GetProperty("eventId").GetGuid()));
        });

        // An order without a fingerprint has nobody to follow: only itself.
        var o4 = await ExplainOrderAsync(_bogota, "o4");
        Assert.That(o4.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("orderId").GetString()), Is.EqualTo(new[] { "o4" }));
    }

    [TestCase("bogota", 208.00, 104.00, 222.00, 112.00, 298.00, 0.6980)]
    [TestCase("tokyo", 216.00, 108.00, 224.00, 114.00, 306.00, 0.7059)]
    public async Task Summary_over_the_four_days(string which, decimal checkout, decimal aov, decimal cartGmv, decimal net, decimal total, decimal share)
    {
        var s = await Company(which).GetJsonAsync($"/v1/revenue/summary?{Range()}");
        Assert.Multiple(() =>
        {
            Assert.That(s.GetProperty("from").GetString(), Is.EqualTo(Day(0)));
            Assert.That(s.GetProperty("to").GetString(), Is.EqualTo(Day(3)));
            Assert.That(s.GetProperty("currency").GetString(), Is.EqualTo("USD"));
            Assert.That(s.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(checkout));
            Assert.That(s.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(3), "o1 (once), o2, o5");
            Assert.That(s.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(aov), "over the two orders with a rate");
            Assert.That(s.GetProperty("totalCartGmv").GetDecimal(), Is.EqualTo(cartGmv));
            Assert.That(s.GetProperty("netCartValue").GetDecimal(), Is.EqualTo(net));
            Assert.That(s.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(total));
            Assert.That(s.GetProperty("attributedShare").GetDecimal(), Is.EqualTo(share));
            Assert.That(s.GetProperty("fingerprintCoverage").GetDecimal(), Is.EqualTo(0.8m), "4 of 5 counted orders carried a fingerprint");
            Assert.That(s.GetProperty("refunded").GetDecimal(), Is.EqualTo(30.00m));
            Assert.That(s.GetProperty("ruleVersion").GetString(), Is.EqualTo(RuleVersion));
            var unconverted = s.GetProperty("unconverted").EnumerateArray().ToList();
            Assert.That(unconverted, Has.Count.EqualTo(1));
            Assert.That(unconverted[0].GetProperty("currency").GetString(), Is.EqualTo("GBP"));
            Assert.That(unconverted[0].GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(60.00m));
            Assert.That(unconverted[0].GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(60.00m));
        });
    }

    [TestCase("bogota", 238.00, 2, 119.00)]
    [TestCase("tokyo", 150.00, 1, 150.00)]
    public async Task Summary_of_day_zero_follows_the_company_time_zone(string which, decimal checkout, int orders, decimal aov)
    {
        var s = await Company(which).GetJsonAsync($"/v1/revenue/summary?{Range(0, 0)}");
        Assert.That(s.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(checkout));
        Assert.That(s.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(orders));
        Assert.That(s.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(aov));
        Assert.That(s.GetProperty("unconverted").GetArrayLength(), Is.Zero);
    }

    [Test]
    public async Task Summary_in_another_currency_converts_each_day_at_its_own_rate()
    {
        // EUR view of Bogota: 150 USD / 1.10 + 80 EUR − 30 USD / 1.20 = 136.3636… + 80 − 25 = 191.36;
        // cart GMV 200 USD / 1.10 + 20 EUR = 201.82.
        var s = await _bogota.GetJsonAsync($"/v1/revenue/summary?{Range()}&currency=EUR");
        Assert.That(s.GetProperty("currency").GetString(), Is.EqualTo("EUR"));
        Assert.That(s.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(191.36m));
        Assert.That(s.GetProperty("totalCartGmv").GetDecimal(), Is.EqualTo(201.82m));
        Assert.That(s.GetProperty("refunded").GetDecimal(), Is.EqualTo(25.00m));
    }

    [TestCase("bogota", new[] { 222.00, 0, 0, 0 })]
    [TestCase("tokyo", new[] { 200.00, 24.00, 0, 0 })]
    public async Task Daily_cart_gmv_has_one_row_per_day_zeros_included(string which, double[] expected)
    {
        var rows = (await Company(which).GetJsonAsync($"/v1/revenue/cart-gmv/daily?{Range()}")).EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("date").GetString()), Is.EqualTo(new[] { Day(0), Day(1), Day(2), Day(3) }));
        Assert.That(rows.Select(r => r.GetProperty("cartGmv").GetDecimal()), Is.EqualTo(expected.Select(e => (decimal)e)));
        Assert.That(rows.Select(r => r.GetProperty("ruleVersion").GetString()), Is.All.EqualTo(RuleVersion));
    }

    [TestCase("bogota", 138.00)]
    [TestCase("tokyo", 146.00)]
    public async Task Products_of_attributed_orders(string which, decimal socksRevenue)
    {
        var rows = (await Company(which).GetJsonAsync($"/v1/revenue/products?{Range()}")).EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("productId").GetString()), Is.EqualTo(new[] { "p2", "p1", "p4" }),
            "by revenue; o3's p1 was not attributed");
        Assert.Multiple(() =>
        {
            Assert.That(rows[0].GetProperty("productName").GetString(), Is.EqualTo("Running Socks"));
            Assert.That(rows[0].GetProperty("quantity").GetInt32(), Is.EqualTo(6));
            Assert.That(rows[0].GetProperty("revenue").GetDecimal(), Is.EqualTo(socksRevenue));
            Assert.That(rows[1].GetProperty("quantity").GetInt32(), Is.EqualTo(1));
            Assert.That(rows[1].GetProperty("revenue").GetDecimal(), Is.EqualTo(100.00m));
            Assert.That(rows[2].GetProperty("revenue").GetDecimal(), Is.Zero);
            Assert.That(rows[2].GetProperty("unconverted")[0].GetProperty("currency").GetString(), Is.EqualTo("GBP"));
            Assert.That(rows[2].GetProperty("unconverted")[0].GetProperty("amount").GetDecimal(), Is.EqualTo(60.00m));
        });
    }

    [TestCase("bogota", 88.00)]
    [TestCase("tokyo", 96.00)]
    public async Task Variants_compare_revenue_per_conversation(string which, decimal variantB)
    {
        var rows = (await Company(which).GetJsonAsync($"/v1/revenue/variants?{Range()}")).EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("variant").GetString()), Is.EqualTo(new[] { "A", "B" }));
        var (a, b) = (rows[0], rows[1]);
        Assert.Multiple(() =>
        {
            // A: c1 and c3; o1 150 − refund 30 = 120 USD, o5 60 GBP unconverted.
            Assert.That(a.GetProperty("conversations").GetInt32(), Is.EqualTo(2));
            Assert.That(a.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(2));
            Assert.That(a.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(120.00m));
            Assert.That(a.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(120.00m));
            Assert.That(a.GetProperty("revenuePerConversation").GetDecimal(), Is.EqualTo(60.00m));
            Assert.That(a.GetProperty("unconverted")[0].GetProperty("amount").GetDecimal(), Is.EqualTo(60.00m));
            Assert.That(b.GetProperty("conversations").GetInt32(), Is.EqualTo(1));
            Assert.That(b.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1));
            Assert.That(b.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(variantB));
            Assert.That(b.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(variantB));
            Assert.That(b.GetProperty("revenuePerConversation").GetDecimal(), Is.EqualTo(variantB));
        });
    }

    [Test]
    public async Task Conversation_revenue_lists_its_orders()
    {
        var c1 = await _bogota.GetJsonAsync("/v1/conversations/c1/revenue");
        Assert.Multiple(() =>
        {
            Assert.That(c1.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(120.00m), "150 − the 30 refund");
            Assert.That(c1.GetProperty("cartGmv").GetDecimal(), Is.EqualTo(200.00m));
            Assert.That(c1.GetProperty("netCartValue").GetDecimal(), Is.EqualTo(90.00m));
            Assert.That(c1.GetProperty("refunded").GetDecimal(), Is.EqualTo(30.00m));
            var orders = c1.GetProperty("orders").EnumerateArray().ToList();
            Assert.That(orders, Has.Count.EqualTo(1), "the repeated o1 is listed once");
            Assert.That(orders[0].GetProperty("orderId").GetString(), Is.EqualTo("o1"));
            Assert.That(orders[0].GetProperty("value").GetDecimal(), Is.EqualTo(150.00m));
            Assert.That(orders[0].GetProperty("currency").GetString(), Is.EqualTo("USD"));
            Assert.That(orders[0].GetProperty("occurredAt").GetDateTimeOffset(),
                Is.EqualTo(D0.AddHours(10).AddMinutes(30)).Or.EqualTo(D0.AddHours(10).AddMinutes(31)), "the copy recorded first counts");
        });

        var c2 = await _tokyo.GetJsonAsync("/v1/conversations/c2/revenue");
        Assert.That(c2.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(96.00m));
        Assert.That(c2.GetProperty("cartGmv").GetDecimal(), Is.EqualTo(24.00m));

        var c3 = await _bogota.GetJsonAsync("/v1/conversations/c3/revenue");
        Assert.That(c3.GetProperty("checkoutRevenue").GetDecimal(), Is.Zero);
        Assert.That(c3.GetProperty("unconverted")[0].GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(60.00m));
        Assert.That(c3.GetProperty("orders")[0].GetProperty("orderId").GetString(), Is.EqualTo("o5"));

        using var unknown = await _bogota.GetAsServerAsync("/v1/conversations/never-seen/revenue");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Data_quality_counts_the_repeated_order_and_the_decrease_below_zero()
    {
        var report = await _bogota.GetJsonAsync($"/v1/data-quality?from={Day(0)}&to={Day(9)}");
        var reasons = report.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r);
        Assert.That(reasons["duplicate_order"].GetProperty("count").GetInt32(), Is.EqualTo(1));
        Assert.That(reasons["decrease_below_zero"].GetProperty("count").GetInt32(), Is.EqualTo(1));
        Assert.That(reasons["decrease_below_zero"].GetProperty("examples")[0].GetProperty("detail").GetString(), Does.Contain("p3"));
        Assert.That(reasons["checkout_without_order_id"].GetProperty("count").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task Reads_name_every_bad_parameter_and_keep_companies_apart()
    {
        using var badDate = await _bogota.GetAsServerAsync("/v1/revenue/summary?from=21-11-2026");
        Assert.That(badDate.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await badDate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("from", out _), Is.True);

        using var reversed = await _bogota.GetAsServerAsync($"/v1/revenue/cart-gmv/daily?from={Day(3)}&to={Day(0)}");
        Assert.That(reversed.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var currency = await _bogota.GetAsServerAsync("/v1/revenue/products?currency=XXY");
        Assert.That((await currency.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("currency", out _), Is.True);

        using var anonymous = await _system.Http.GetAsync("/v1/revenue/summary");
        Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        using var browserKey = new HttpRequestMessage(HttpMethod.Get, "/v1/revenue/summary");
        browserKey.Headers.Add("X-Company-Key", _bogota.CompanyKey);
        using var browser = await _system.Http.SendAsync(browserKey);
        Assert.That(browser.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "reads need the apiSecret");

        var other = await _system.CreateCompanyAsync("Empty store");
        var empty = await other.GetJsonAsync($"/v1/revenue/summary?{Range()}");
        Assert.That(empty.GetProperty("checkoutRevenue").GetDecimal(), Is.Zero);
        Assert.That(empty.GetProperty("averageOrderValue").ValueKind, Is.EqualTo(JsonValueKind.Null));
        using var foreign = await other.GetAsServerAsync("/v1/conversations/c1/revenue");
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another company's conversation is not visible");
    }

    private TestCompany Company(string which) => which == "bogota" ? _bogota : _tokyo;

    private static string At(DateTimeOffset t) => WireTime.Of(t);

    private static object[] Chat(string fp, string conversation, string variant, DateTimeOffset at) =>
    [
        new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = fp, channel = "CHAT", conversationId = conversation, variant, text = "Which trail shoes for flat feet?", occurredAt = At(at) },
        new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = fp, channel = "CHAT", conversationId = conversation, variant, helpful = true, occurredAt = At(at.AddMinutes(1)) },
    ];

    private static object Cart(string fp, string type, string productId, string productName, decimal value, string currency, int quantity, DateTimeOffset at) =>
        new { kind = "cart", userFingerprint = fp, type, productId, productName, value, currency, quantity, occurredAt = At(at) };

    private static object Order(string? fp, string orderId, decimal value, string currency, DateTimeOffset at, params object[] lineItems) =>
        new { kind = "checkout", userFingerprint = fp, orderId, value, currency, lineItems, occurredAt = At(at) };

    private static object Line(string productId, string productName, int quantity, decimal value, string currency) =>
        new { productId, productName, quantity, value, currency };

    private static object[] DataSet() =>
    [
        .. Chat("v1", "c1", "A", D0.AddHours(10)),
        Cart("v1", "ITEM_ADDED", "p1", "Trail Shoes", 100.00m, "USD", 2, D0.AddHours(10).AddMinutes(5)),
        Cart("v1", "QUANTITY_DECREASED", "p1", "Trail Shoes", 100.00m, "USD", 1, D0.AddHours(10).AddMinutes(10)),
        Cart("v1", "QUANTITY_DECREASED", "p3", "Insoles", 10.00m, "USD", 1, D0.AddHours(10).AddMinutes(12)),
        Order("v1", "o1", 150.00m, "USD", D0.AddHours(10).AddMinutes(30), Line("p1", "Trail Shoes", 1, 100.00m, "USD"), Line("p2", "Running Socks", 2, 25.00m, "USD")),
        Order("v1", "o1", 150.00m, "USD", D0.AddHours(10).AddMinutes(31), Line("p1", "Trail Shoes", 1, 100.00m, "USD"), Line("p2", "Running Socks", 2, 25.00m, "USD")),
        .. Chat("v2", "c2", "B", D0.AddDays(1).AddHours(3)),
        Cart("v2", "ITEM_ADDED", "p2", "Running Socks", 20.00m, "EUR", 1, D0.AddDays(1).AddHours(3).AddMinutes(10)),
        Order("v2", "o2", 80.00m, "EUR", D0.AddDays(1).AddHours(3).AddMinutes(30), Line("p2", "Running Socks", 4, 20.00m, "EUR")),
        Order("v3", "o3", 50.00m, "USD", D0.AddDays(2).AddHours(15), Line("p1", "Trail Shoes", 1, 50.00m, "USD")),
        Order(null, "o4", 40.00m, "USD", D0.AddDays(2).AddHours(16)),
        Order("v4", "o5", 60.00m, "GBP", D0.AddDays(2).AddHours(20), Line("p4", "Cap", 1, 60.00m, "GBP")),
    ];

    /// <summary>Sends through the batch endpoint (refunds through their own), and waits until all of it is stored.</summary>
    private static async Task SendAsync(TestCompany company, object[] events, string what)
    {
        var ids = new List<Guid>();
        var batch = events.Where(e => e.GetType().GetProperty("kind")!.GetValue(e) is not "refund").ToArray();
        if (batch.Length > 0)
        {
            using var response = await company.PostAsServerAsync("/v1/events/batch", new { events = batch });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body.ToString());
            foreach (var result in body.GetProperty("results").EnumerateArray())
            {
                Assert.That(result.GetProperty("status").GetString(), Is.EqualTo("accepted"), result.ToString());
                ids.Add(result.GetProperty("eventId").GetGuid());
            }
        }
        foreach (var refund in events.Except(batch))
        {
            using var response = await company.PostAsServerAsync("/v1/events/refund", refund);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid());
        }
        await StoredEvents.WaitForAsync(ids, what);
    }

    private async Task SetRateAsync(TestCompany company, string date, decimal eur)
    {
        using var response = await _system.AdminAsync(HttpMethod.Put, $"/v1/admin/companies/{company.CompanyKey}/fx-rates",
            new { date, rates = new Dictionary<string, decimal> { ["EUR"] = eur } });
        Assert.That(response.IsSuccessStatusCode, Is.True, await response.Content.ReadAsStringAsync());
    }

    private static Task<JsonElement> ExplainOrderAsync(TestCompany company, string orderId) => company.GetJsonAsync($"/v1/attribution/orders/{orderId}");
}
