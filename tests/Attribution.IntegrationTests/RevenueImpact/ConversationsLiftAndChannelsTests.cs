using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.RevenueImpact;

/// <summary>
/// The reads of contract §6 added last (daily, lift, channels, the conversation list and transcript,
/// the variants' comparison) against hand-computed figures, for one small history of a UTC company
/// on days D0..D2 (D0 = five days ago). All amounts USD unless named.
/// <code>
///   visitor     what happened                                              assisted  orders
///   v1          chat c1 (A) qualifies D0 10:01; order oa1 100 D0 10:30      yes       100 (CHAT)
///   v2          chat c2 (A) qualifies D0 11:01; cart 20×1; oa2 50 D0 11:30  yes       50 (CHAT)
///   v3          chat c3 (B) qualifies D1 09:01; no order                    yes       -
///   v4          chat c4 (B) qualifies D1 10:01; oa4 80 D1 10:30             yes       80 (CHAT)
///   v5 + faq5   FAQ f1 qualifies D1 12:01; cart 30×2; ob5 70 D1 12:30       yes       70 (FAQ; faq5 joined to v5)
///   v6          nudge n1 clicked D2 08:00; on6 40 D2 08:30                  yes       40 (NUDGE)
///   v7          chat c5 (no variant) only "hi" + helpful answer; o7 60      no        60 (unattributed)
///   u1          cart only D2 10:00                                          no        -
///   u2, u3      orders ou2 30, ou3 90 on D2                                 no        30, 90
///   u4          widget loaded only D2 13:00                                 no        -
///   u5          order ou5 20 GBP D2 15:00 (no GBP rate)                     no        unconverted
///   (none)      order oanon 25 D2 14:00 without any fingerprint             nobody's visit
/// </code>
/// Lift: assisted 6 visitors, 5 converting (5/6); unassisted 6, 4 converting (4/6): lift 1.25, Katz
/// interval exp(ln 1.25 ± 1.96·√(1/5 − 1/6 + 1/4 − 1/6)) = [0.64, 2.4415]. AOV 68 vs 60 (ou5 has no
/// rate): 1.1333, delta-method interval on the log scale with sample variances 570 and 900 =
/// [0.5952, 2.1581]. Variants: A 2 orders / 2 conversations, B 1 / 2: delta −0.5, Wald interval
/// −0.5 ± 1.96·√(0 + 0.25/2) = [−1.193, 0.193], not significant.
/// </summary>
[NonParallelizable]
public sealed class ConversationsLiftAndChannelsTests
{
    private static readonly DateTimeOffset D0 = new(DateTime.UtcNow.Date.AddDays(-5), TimeSpan.Zero);

    private RunningSystem _system = null!;
    private TestCompany _shop = null!;

    private static string Day(int n) => D0.AddDays(n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Range => $"from={Day(0)}&to={Day(2)}";

    [OneTimeSetUp]
    public async Task SendTheHistoryAsync()
    {
        _system = await RunningSystem.StartAsync();
        _shop = await _system.CreateCompanyAsync("Lift store");
        await SendAsync(_shop, History());
        await Projections.WaitForNonStaleAsync("the history to be decided and projected");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task Daily_has_one_row_per_day_with_attributed_and_total_revenue()
    {
        var rows = (await _shop.GetJsonAsync($"/v1/revenue/daily?from={Day(0)}&to={Day(3)}")).EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("date").GetString()), Is.EqualTo(new[] { Day(0), Day(1), Day(2), Day(3) }));
        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r.GetProperty("attributedRevenue").GetDecimal()), Is.EqualTo(new[] { 150m, 150m, 40m, 0m }));
            Assert.That(rows.Select(r => r.GetProperty("totalCheckoutRevenue").GetDecimal()), Is.EqualTo(new[] { 150m, 150m, 245m, 0m }),
                "D2: 40 + 60 + 30 + 90 + 25 (the anonymous order counts in the total)");
            Assert.That(rows.Select(r => r.GetProperty("attributedOrders").GetInt32()), Is.EqualTo(new[] { 2, 2, 1, 0 }));
            Assert.That(rows.Select(r => r.GetProperty("orders").GetInt32()), Is.EqualTo(new[] { 2, 2, 6, 0 }));
            Assert.That(rows.Select(r => r.GetProperty("cartGmv").GetDecimal()), Is.EqualTo(new[] { 20m, 60m, 0m, 0m }));
            var unconverted = rows[2].GetProperty("unconverted").EnumerateArray().Single();
            Assert.That(unconverted.GetProperty("currency").GetString(), Is.EqualTo("GBP"));
            Assert.That(unconverted.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(20m));
            Assert.That(rows[0].TryGetProperty("unconverted", out _), Is.False, "only days with something unconverted list it");
        });
    }

    [Test]
    public async Task Channels_split_attributed_revenue_by_credited_channel()
    {
        var rows = (await _shop.GetJsonAsync($"/v1/revenue/channels?{Range}")).EnumerateArray()
            .ToDictionary(r => r.GetProperty("channel").GetString()!);
        Assert.That(rows.Keys, Is.EqualTo(new[] { "CHAT", "FAQ", "NUDGE" }));
        Assert.Multiple(() =>
        {
            Assert.That(Figures(rows["CHAT"]), Is.EqualTo((3, 230m, 20m)), "oa1 + oa2 + oa4; v2's cart");
            Assert.That(Figures(rows["FAQ"]), Is.EqualTo((1, 70m, 60m)), "ob5; v5's cart of 30 × 2");
            Assert.That(Figures(rows["NUDGE"]), Is.EqualTo((1, 40m, 0m)), "on6");
        });

        static (int, decimal, decimal) Figures(JsonElement r) =>
            (r.GetProperty("attributedOrders").GetInt32(), r.GetProperty("checkoutRevenue").GetDecimal(), r.GetProperty("cartGmv").GetDecimal());
    }

    [Test]
    public async Task Lift_compares_assisted_and_unassisted_visitors_with_95_percent_intervals()
    {
        var lift = await _shop.GetJsonAsync($"/v1/revenue/lift?{Range}");
        var (a, u) = (lift.GetProperty("assisted"), lift.GetProperty("unassisted"));
        Assert.Multiple(() =>
        {
            Assert.That(a.GetProperty("visitors").GetInt32(), Is.EqualTo(6), "v1–v6; faq5 is v5");
            Assert.That(a.GetProperty("orders").GetInt32(), Is.EqualTo(5));
            Assert.That(a.GetProperty("conversionRate").GetDecimal(), Is.EqualTo(0.8333m));
            Assert.That(a.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(68.00m));
            Assert.That(a.GetProperty("revenuePerVisitor").GetDecimal(), Is.EqualTo(56.67m), "340 / 6");
            Assert.That(u.GetProperty("visitors").GetInt32(), Is.EqualTo(6), "v7, u1–u5; the anonymous order is nobody's");
            Assert.That(u.GetProperty("orders").GetInt32(), Is.EqualTo(4));
            Assert.That(u.GetProperty("conversionRate").GetDecimal(), Is.EqualTo(0.6667m));
            Assert.That(u.GetProperty("averageOrderValue").GetDecimal(), Is.EqualTo(60.00m), "over the orders with a rate");
            Assert.That(u.GetProperty("revenuePerVisitor").GetDecimal(), Is.EqualTo(30.00m), "180 / 6");
            Assert.That(u.GetProperty("unconverted")[0].GetProperty("amount").GetDecimal(), Is.EqualTo(20m));
            Assert.That(lift.GetProperty("conversionLift").GetDecimal(), Is.EqualTo(1.25m));
            Assert.That(lift.GetProperty("conversionLiftInterval").EnumerateArray().Select(v => v.GetDecimal()), Is.EqualTo(new[] { 0.64m, 2.4415m }));
            Assert.That(lift.GetProperty("aovLift").GetDecimal(), Is.EqualTo(1.1333m));
            Assert.That(lift.GetProperty("aovLiftInterval").EnumerateArray().Select(v => v.GetDecimal()), Is.EqualTo(new[] { 0.5952m, 2.1581m }));
            Assert.That(lift.GetProperty("enoughData").GetBoolean(), Is.False, "below 30 visitors per group");
        });
    }

    [Test]
    public async Task Lift_of_an_empty_range_has_no_figures_and_not_enough_data()
    {
        var lift = await _shop.GetJsonAsync($"/v1/revenue/lift?from={Day(3)}&to={Day(3)}");
        Assert.Multiple(() =>
        {
            Assert.That(lift.GetProperty("assisted").GetProperty("visitors").GetInt32(), Is.Zero);
            Assert.That(lift.GetProperty("conversionLift").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(lift.GetProperty("conversionLiftInterval").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(lift.GetProperty("enoughData").GetBoolean(), Is.False);
        });
    }

    [Test]
    public async Task Variants_compare_conversion_against_the_first_arm_and_keep_no_variant_apart()
    {
        var rows = (await _shop.GetJsonAsync($"/v1/revenue/variants?{Range}")).EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("variant").GetString()), Is.EqualTo(new[] { "A", "B", null }));
        var (a, b, none) = (rows[0], rows[1], rows[2]);
        Assert.Multiple(() =>
        {
            Assert.That(a.GetProperty("conversionRate").GetDecimal(), Is.EqualTo(1m));
            Assert.That(a.GetProperty("conversionRateDelta").ValueKind, Is.EqualTo(JsonValueKind.Null), "the first arm is the baseline");
            Assert.That(b.GetProperty("conversations").GetInt32(), Is.EqualTo(2));
            Assert.That(b.GetProperty("conversionRate").GetDecimal(), Is.EqualTo(0.5m));
            Assert.That(b.GetProperty("comparedWith").GetString(), Is.EqualTo("A"));
            Assert.That(b.GetProperty("conversionRateDelta").GetDecimal(), Is.EqualTo(-0.5m));
            Assert.That(b.GetProperty("conversionRateDeltaInterval").EnumerateArray().Select(v => v.GetDecimal()), Is.EqualTo(new[] { -1.193m, 0.193m }));
            Assert.That(b.GetProperty("significant").GetBoolean(), Is.False);
            Assert.That(none.GetProperty("conversations").GetInt32(), Is.EqualTo(2), "c5 and f1");
            Assert.That(none.GetProperty("conversionRateDelta").ValueKind, Is.EqualTo(JsonValueKind.Null), "never an arm");
            Assert.That(none.GetProperty("significant").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
    }

    [Test]
    public async Task Conversations_page_by_revenue_with_a_cursor_to_the_last_page()
    {
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _shop.GetJsonAsync($"/v1/conversations?{Range}&sort=revenue&limit=2" + (cursor is null ? "" : $"&cursor={cursor}"));
            seen.AddRange(page.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversationId").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null && pages < 10);
        Assert.That(seen, Is.EqualTo(new[] { "c1", "c4", "f1", "c2", "c3", "c5" }), "100, 80, 70, 50, then the two without revenue by id");
        Assert.That(pages, Is.EqualTo(3));

        var recent = await _shop.GetJsonAsync($"/v1/conversations?{Range}&sort=recent");
        var rows = recent.GetProperty("conversations").EnumerateArray().ToList();
        Assert.That(rows.Select(c => c.GetProperty("conversationId").GetString()), Is.EqualTo(new[] { "c5", "f1", "c4", "c3", "c2", "c1" }));
        Assert.That(recent.GetProperty("nextCursor").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var c1 = rows[^1];
        var c5 = rows[0];
        Assert.Multiple(() =>
        {
            Assert.That(c1.GetProperty("channel").GetString(), Is.EqualTo("CHAT"));
            Assert.That(c1.GetProperty("variant").GetString(), Is.EqualTo("A"));
            Assert.That(c1.GetProperty("startedAt").GetDateTimeOffset(), Is.EqualTo(D0.AddHours(10)));
            Assert.That(c1.GetProperty("messages").GetInt32(), Is.EqualTo(2));
            Assert.That(c1.GetProperty("qualified").GetBoolean(), Is.True);
            Assert.That(c1.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1));
            Assert.That(c1.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(100m));
            Assert.That(c5.GetProperty("qualified").GetBoolean(), Is.False, "only a greeting");
            Assert.That(c5.GetProperty("variant").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(rows[1].GetProperty("channel").GetString(), Is.EqualTo("FAQ"));
            Assert.That(rows[4].GetProperty("cartGmv").GetDecimal(), Is.EqualTo(20m), "c2's cart");
        });
    }

    [TestCase("sort=best", "sort")]
    [TestCase("limit=0", "limit")]
    [TestCase("limit=201", "limit")]
    [TestCase("limit=ten", "limit")]
    [TestCase("cursor=not-a-cursor", "cursor")]
    [TestCase("from=2026-02-30", "from")]
    public async Task Conversations_name_a_bad_parameter(string query, string field)
    {
        using var response = await _shop.GetAsServerAsync($"/v1/conversations?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.That(errors.TryGetProperty(field, out _), Is.True, errors.ToString());
    }

    [Test]
    public async Task A_cursor_of_one_sort_is_refused_by_the_other()
    {
        var page = await _shop.GetJsonAsync($"/v1/conversations?{Range}&sort=revenue&limit=1");
        using var response = await _shop.GetAsServerAsync($"/v1/conversations?{Range}&sort=recent&cursor={page.GetProperty("nextCursor").GetString()}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_transcript_lists_its_messages_and_orders_and_another_company_sees_nothing()
    {
        var c1 = await _shop.GetJsonAsync("/v1/conversations/c1");
        Assert.Multiple(() =>
        {
            Assert.That(c1.GetProperty("channel").GetString(), Is.EqualTo("CHAT"));
            Assert.That(c1.GetProperty("variant").GetString(), Is.EqualTo("A"));
            var messages = c1.GetProperty("messages").EnumerateArray().ToList();
            Assert.That(messages.Select(m => m.GetProperty("kind").GetString()), Is.EqualTo(new[] { "SHOPPER_MESSAGE", "ASSISTANT_ANSWER" }));
            Assert.That(messages[0].GetProperty("text").GetString(), Is.EqualTo("Which trail shoes for flat feet?"));
            Assert.That(messages[1].GetProperty("helpful").GetBoolean(), Is.True);
            Assert.That(messages[1].GetProperty("text").GetString(), Is.EqualTo("Try the Cloud Runner."));
            var orders = c1.GetProperty("orders").EnumerateArray().ToList();
            Assert.That(orders.Select(o => o.GetProperty("orderId").GetString()), Is.EqualTo(new[] { "oa1" }));
            Assert.That(orders[0].GetProperty("value").GetDecimal(), Is.EqualTo(100m));
        });

        using var unknown = await _shop.GetAsServerAsync("/v1/conversations/never-seen");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var other = await _system.CreateCompanyAsync("Other lift store");
        using var foreign = await other.GetAsServerAsync("/v1/conversations/c1");
        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another company's conversation is not visible");
        var empty = await other.GetJsonAsync($"/v1/conversations?{Range}");
        Assert.That(empty.GetProperty("conversations").GetArrayLength(), Is.Zero);
        var lift = await other.GetJsonAsync($"/v1/revenue/lift?{Range}");
        Assert.That(lift.GetProperty("assisted").GetProperty("visitors").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task After_erasing_the_visitor_the_transcript_shows_no_text_and_every_figure_stays()
    {
        var shop = await _system.CreateCompanyAsync("Erasure transcript store");
        await SendAsync(shop,
        [
            .. Chat("fp_gone", "cx", "A", D0.AddHours(9), "I am Jane Doe, size 38: which trail shoes?"),
            Order("fp_gone", "ox", 55m, "USD", D0.AddHours(9).AddMinutes(30)),
            .. Chat("fp_stays", "cy", "A", D0.AddHours(9), "Do these run small?"),
        ]);
        await Projections.WaitForNonStaleAsync();
        var figures = new[] { $"/v1/revenue/lift?{Range}", $"/v1/conversations?{Range}", $"/v1/revenue/channels?{Range}", $"/v1/revenue/daily?{Range}" };
        var before = await Task.WhenAll(figures.Select(async p => (await shop.GetJsonAsync(p)).GetRawText()));

        using (var erased = await shop.SendAsServerAsync(HttpMethod.Delete, "/v1/visitors/fp_gone"))
            Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.OK), await erased.Content.ReadAsStringAsync());

        var cx = await shop.GetJsonAsync("/v1/conversations/cx");
        var messages = cx.GetProperty("messages").EnumerateArray().ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(messages[0].GetProperty("text").GetString(), Is.EqualTo("[erased]"), "a real message stays real, without its words");
            Assert.That(messages[1].GetProperty("text").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(messages[1].GetProperty("helpful").GetBoolean(), Is.True);
            Assert.That(cx.GetProperty("orders")[0].GetProperty("orderId").GetString(), Is.EqualTo("ox"));
            Assert.That((await shop.GetJsonAsync("/v1/conversations/cy")).GetProperty("messages")[0].GetProperty("text").GetString(),
                Is.EqualTo("Do these run small?"), "another visitor keeps their words");
            var after = await Task.WhenAll(figures.Select(async p => (await shop.GetJsonAsync(p)).GetRawText()));
            Assert.That(after, Is.EqualTo(before), "erasure changes no figure");
            Assert.That(await PersonalDataAsync(shop.CompanyKey, "fp_gone", "Jane Doe"), Is.Zero, "the engagement read models hold neither the fingerprint nor the words");
        });
    }

    private static async Task<long> PersonalDataAsync(string companyKey, params string[] needles)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT (SELECT count(*) FROM revenue.interactions t WHERE t.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(t.visitor_key || coalesce(t.text, ''), n) > 0))
                 + (SELECT count(*) FROM revenue.visitor_days t WHERE t.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(t.visitor_key, n) > 0))
                 + (SELECT count(*) FROM revenue.visitor_orders t WHERE t.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(coalesce(t.visitor_key, ''), n) > 0))
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(needles);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private static string At(DateTimeOffset t) => WireTime.Of(t);

    private static object[] Chat(string fp, string conversation, string? variant, DateTimeOffset at, string text = "Which trail shoes for flat feet?") =>
    [
        new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = fp, channel = "CHAT", conversationId = conversation, variant, text, occurredAt = At(at) },
        new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = fp, channel = "CHAT", conversationId = conversation, variant, helpful = true, text = "Try the Cloud Runner.", occurredAt = At(at.AddMinutes(1)) },
    ];

    private static object Cart(string fp, string? faq, decimal value, int quantity, DateTimeOffset at) =>
        new { kind = "cart", userFingerprint = fp, userFaqFingerprint = faq, type = "ITEM_ADDED", productId = "p1", productName = "Trail Shoes", value, currency = "USD", quantity, occurredAt = At(at) };

    private static object Order(string? fp, string orderId, decimal value, string currency, DateTimeOffset at, string? faq = null) =>
        new { kind = "checkout", userFingerprint = fp, userFaqFingerprint = faq, orderId, value, currency, occurredAt = At(at) };

    private static object[] History()
    {
        DateTimeOffset Day0(double hours) => D0.AddHours(hours);
        DateTimeOffset Day1(double hours) => D0.AddDays(1).AddHours(hours);
        DateTimeOffset Day2(double hours) => D0.AddDays(2).AddHours(hours);
        return
        [
            .. Chat("v1", "c1", "A", Day0(10)), Order("v1", "oa1", 100m, "USD", Day0(10.5)),
            .. Chat("v2", "c2", "A", Day0(11)), Cart("v2", null, 20m, 1, Day0(11 + 10 / 60.0)), Order("v2", "oa2", 50m, "USD", Day0(11.5)),
            .. Chat("v3", "c3", "B", Day1(9)),
            .. Chat("v4", "c4", "B", Day1(10)), Order("v4", "oa4", 80m, "USD", Day1(10.5)),
            new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFaqFingerprint = "faq5", channel = "FAQ", conversationId = "f1", text = "Are these waterproof?", occurredAt = At(Day1(12)) },
            new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFaqFingerprint = "faq5", channel = "FAQ", conversationId = "f1", helpful = true, occurredAt = At(Day1(12 + 1 / 60.0)) },
            Cart("v5", "faq5", 30m, 2, Day1(12 + 10 / 60.0)), Order("v5", "ob5", 70m, "USD", Day1(12.5), faq: "faq5"),
            new { kind = "interaction", interactionKind = "NUDGE_CLICKED", userFingerprint = "v6", channel = "NUDGE", nudgeId = "n1", occurredAt = At(Day2(8)) },
            Order("v6", "on6", 40m, "USD", Day2(8.5)),
            new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "v7", channel = "CHAT", conversationId = "c5", text = "hi", occurredAt = At(Day2(9)) },
            new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "v7", channel = "CHAT", conversationId = "c5", helpful = true, occurredAt = At(Day2(9 + 1 / 60.0)) },
            Order("v7", "o7", 60m, "USD", Day2(9.5)),
            new { kind = "cart", userFingerprint = "u1", type = "ITEM_ADDED", productId = "p1", productName = "Trail Shoes", value = 10m, currency = "USD", quantity = 1, occurredAt = At(Day2(10)) },
            Order("u2", "ou2", 30m, "USD", Day2(11)),
            Order("u3", "ou3", 90m, "USD", Day2(12)),
            new { kind = "interaction", interactionKind = "WIDGET_LOADED", userFingerprint = "u4", channel = "CHAT", occurredAt = At(Day2(13)) },
            Order(null, "oanon", 25m, "USD", Day2(14)),
            Order("u5", "ou5", 20m, "GBP", Day2(15)),
        ];
    }

    /// <summary>Sends through the batch endpoint and waits until all of it is stored.</summary>
    private static async Task SendAsync(TestCompany company, object[] events)
    {
        using var response = await company.PostAsServerAsync("/v1/events/batch", new { events });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body.ToString());
        var ids = new List<Guid>();
        foreach (var result in body.GetProperty("results").EnumerateArray())
        {
            Assert.That(result.GetProperty("status").GetString(), Is.EqualTo("accepted"), result.ToString());
            ids.Add(result.GetProperty("eventId").GetGuid());
        }
        await StoredEvents.WaitForAsync(ids, "the history stored");
    }
}
