using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Attribution.ReadModels.DataQuality;
using Attribution.ReadModels.Revenue;

namespace Attribution.IntegrationTests.RevenueImpact;

/// <summary>
/// A replay rebuilds a company's read models under its current settings (a new window and a new time
/// zone), so no figure mixes rule versions; and the data-quality read counts every mistake the seeds name.
/// </summary>
[NonParallelizable]
public sealed class ReplayAndDataQualityTests
{
    private static readonly DateTimeOffset D0 = new(DateTime.UtcNow.Date.AddDays(-4), TimeSpan.Zero);
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static string Day(int n) => D0.AddDays(n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string At(DateTimeOffset t) => WireTime.Of(t);

    [Test]
    public async Task Replay_after_a_new_window_and_time_zone_rebuilds_the_figures_under_one_rule_version()
    {
        var company = await _system.CreateCompanyAsync("Replay store");
        // A helpful chat at D0 23:00 UTC, an order 30 hours later (D2 05:00 UTC): outside 24 h, inside 48 h.
        await PostAsync(company, "/v1/events/interactions", new { userFingerprint = "fp_r", channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId = "cr", text = "Trail shoes for wet rocks?", occurredAt = At(D0.AddHours(23)) });
        await PostAsync(company, "/v1/events/interactions", new { userFingerprint = "fp_r", channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId = "cr", helpful = true, occurredAt = At(D0.AddHours(23).AddMinutes(1)) });
        await Projections.WaitForNonStaleAsync();
        await PostAsync(company, "/v1/events/checkout", new { userFingerprint = "fp_r", orderId = "or1", value = 120.00m, currency = "USD", occurredAt = At(D0.AddDays(1).AddHours(29)) });
        await Projections.WaitForNonStaleAsync();

        var before = await company.GetJsonAsync($"/v1/revenue/summary?from={Day(0)}&to={Day(3)}");
        Assert.That(before.GetProperty("checkoutRevenue").GetDecimal(), Is.Zero);
        Assert.That(before.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(120.00m));
        Assert.That(before.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=24h"));
        var utcDays = await company.GetJsonAsync($"/v1/revenue/summary?from={Day(2)}&to={Day(2)}");
        Assert.That(utcDays.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(120.00m), "05:00 UTC is day 2 in UTC");

        using (var patch = await _system.AdminAsync(HttpMethod.Patch, $"/v1/admin/companies/{company.CompanyKey}",
                   new { attributionWindowHours = 48, timeZone = "America/Bogota" }))
            Assert.That(patch.StatusCode, Is.EqualTo(HttpStatusCode.OK), await patch.Content.ReadAsStringAsync());

        Assert.That((await company.ReplayAsync()).GetProperty("status").GetString(), Is.EqualTo("completed"));
        await Projections.WaitForNonStaleAsync("the replay's revisions to be projected");

        // In Bogota (UTC−5) the order fell on day 2 at 00:00 local; the chat on day 0 at 18:00.
        var day2 = await company.GetJsonAsync($"/v1/revenue/summary?from={Day(2)}&to={Day(2)}");
        Assert.That(day2.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(120.00m));
        Assert.That(day2.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1));
        Assert.That(day2.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=48h"),
            "the 24 h figures were taken back, not mixed in");
        var conversation = await company.GetJsonAsync("/v1/conversations/cr/revenue");
        Assert.That(conversation.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(120.00m));
        var variants = (await company.GetJsonAsync($"/v1/revenue/variants?from={Day(0)}&to={Day(3)}")).EnumerateArray().ToList();
        Assert.That(variants.Single().GetProperty("conversations").GetInt32(), Is.EqualTo(1));
        Assert.That(variants.Single().GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(120.00m));
    }

    [Test]
    public async Task Data_quality_counts_and_shows_every_mistake_the_seeds_name()
    {
        var company = await _system.CreateCompanyAsync("Careless store");
        var at = At(D0.AddHours(12));
        object Cart(string type, string productId, int quantity, decimal value = 10.00m, string currency = "USD") =>
            new { userFingerprint = "fp_dq", type, productId, productName = "Shoe", value, currency, quantity, occurredAt = at };

        // Rejected by the gateway.
        await RejectedAsync(company, "/v1/events/cart", Cart("ITEMS_ADD", "s1", 1));
        await RejectedAsync(company, "/v1/events/cart", new { userFingerprint = "fp_dq", type = "ITEM_ADDED", productName = "Shoe", value = 10.00m, currency = "USD", quantity = 1 });
        await RejectedAsync(company, "/v1/events/cart", Cart("ITEM_ADDED", "s1", 1, currency: "USX"));
        await RejectedAsync(company, "/v1/events/cart", Cart("ITEM_ADDED", "s1", 1, value: 10.999m));
        await RejectedAsync(company, "/v1/events/checkout", new
        {
            userFingerprint = "fp_dq", orderId = "dq-2", value = 20.00m, currency = "USD",
            lineItems = new[] { new { productId = "s1", productName = "Shoe", quantity = 1, value = 20.00m, currency = "EUR" } },
        });

        // Accepted, but wrong.
        await PostAsync(company, "/v1/events/checkout", new { userFingerprint = "fp_dq", value = 30.00m, currency = "USD", occurredAt = at });
        await PostAsync(company, "/v1/events/checkout", new { userFingerprint = "fp_dq", orderId = "dq-1", value = 40.00m, currency = "USD", occurredAt = at });
        await PostAsync(company, "/v1/events/checkout", new { userFingerprint = "fp_dq", orderId = "dq-1", value = 40.00m, currency = "USD", occurredAt = At(D0.AddHours(12).AddMinutes(1)) });
        await PostAsync(company, "/v1/events/cart", Cart("ITEM_ADDED", "s2", 1));
        await PostAsync(company, "/v1/events/cart", new { userFingerprint = "fp_dq", type = "QUANTITY_DECREASED", productId = "s2", productName = "Shoe", value = 10.00m, currency = "USD", quantity = 2, occurredAt = At(D0.AddHours(12).AddMinutes(2)) });
        await Projections.WaitForNonStaleAsync();

        var report = await company.GetJsonAsync($"/v1/data-quality?from={Day(0)}&to={Day(6)}");
        var reasons = report.GetProperty("reasons").EnumerateArray().ToDictionary(r => r.GetProperty("reason").GetString()!, r => r);
        var expected = new[]
        {
            "unknown_cart_type", "missing_field", "bad_currency", "bad_decimals", "checkout_without_order_id", "duplicate_order",
            "decrease_below_zero", "line_item_currency_mismatch",
        };
        Assert.That(report.GetProperty("reasons").EnumerateArray().Take(8).Select(r => r.GetProperty("reason").GetString()), Is.EqualTo(expected),
            "the named mistakes come first, in the seeds' order");
        Assert.Multiple(() =>
        {
            foreach (var reason in expected)
            {
                Assert.That(reasons[reason].GetProperty("count").GetInt32(), Is.EqualTo(1), reason);
                Assert.That(reasons[reason].GetProperty("examples").GetArrayLength(), Is.EqualTo(1), reason);
                Assert.That(reasons[reason].GetProperty("label").GetString(), Is.Not.Empty, reason);
            }
            Assert.That(reasons["unknown_cart_type"].GetProperty("examples")[0].GetProperty("detail").GetString(), Does.Contain("type"));
            Assert.That(reasons["duplicate_order"].GetProperty("examples")[0].GetProperty("detail").GetString(), Does.Contain("dq-1"));
            Assert.That(report.GetProperty("total").GetInt32(), Is.EqualTo(8));
        });

        var lastWeek = await company.GetJsonAsync($"/v1/data-quality?from={D0.AddDays(-7):yyyy-MM-dd}&to={D0.AddDays(-1):yyyy-MM-dd}");
        Assert.That(lastWeek.GetProperty("total").GetInt32(), Is.Zero, "the range filters by day");
    }

    /// <summary>
    /// A replay rebuilds a company's read models in memory and writes them once (RevenueProjection and
    /// DataQualityProjection's tenant rebuilds); the live path upserts them batch after batch. Under the
    /// same settings both must leave the same rows: revisions, a refund, products under their latest
    /// name, conversations with their variant, an order sent twice, a decrease below zero.
    /// </summary>
    [Test]
    public async Task A_replay_under_the_same_settings_rebuilds_the_read_models_row_for_row_as_live_left_them()
    {
        var company = await _system.CreateCompanyAsync("Rebuild store");
        var t = D0.AddHours(10);
        object Chat(string fp, string kind, string conversation, string? variant, DateTimeOffset at) => kind == "SHOPPER_MESSAGE"
            ? new { userFingerprint = fp, channel = "CHAT", kind, conversationId = conversation, text = "Shoes for a marathon?", variant, occurredAt = At(at) }
            : new { userFingerprint = fp, channel = "CHAT", kind, conversationId = conversation, helpful = true, variant, occurredAt = At(at) };
        object Cart(string fp, string type, string productId, int quantity, DateTimeOffset at) =>
            new { userFingerprint = fp, type, productId, productName = "Shoe " + productId, value = 10.00m, currency = "USD", quantity, occurredAt = At(at) };
        object Checkout(string fp, string? orderId, DateTimeOffset at, string sockName = "Sock") => new
        {
            userFingerprint = fp, orderId, value = 25.00m, currency = "USD", occurredAt = At(at),
            lineItems = new[]
            {
                new { productId = "p1", productName = "Shoe p1", quantity = 2, value = 10.00m, currency = "USD" },
                new { productId = "p2", productName = sockName, quantity = 1, value = 5.00m, currency = "USD" },
            },
        };

        // A credited visitor: a helpful chat (variant A), a cart, an order, a refund.
        await PostAsync(company, "/v1/events/interactions", Chat("fp_a", "SHOPPER_MESSAGE", "c-a", "A", t));
        await PostAsync(company, "/v1/events/interactions", Chat("fp_a", "ASSISTANT_ANSWER", "c-a", null, t.AddMinutes(1)));
        await PostAsync(company, "/v1/events/cart", Cart("fp_a", "ITEM_ADDED", "p1", 2, t.AddMinutes(2)));
        await PostAsync(company, "/v1/events/cart", Cart("fp_a", "QUANTITY_DECREASED", "p1", 1, t.AddMinutes(3)));
        await PostAsync(company, "/v1/events/checkout", Checkout("fp_a", "o-1", t.AddMinutes(10)));
        await Projections.WaitForNonStaleAsync();
        // The conversation's earliest message, arriving last and naming another variant: the start moves, the variant stays.
        await PostAsync(company, "/v1/events/interactions", Chat("fp_a", "SHOPPER_MESSAGE", "c-a", "C", t.AddMinutes(-5)));
        using (var refund = await company.PostAsServerAsync("/v1/events/refund", new { refundId = "r-1", orderId = "o-1", amount = 10.00m, currency = "USD" }))
            Assert.That(refund.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        // Mistakes: the same order from another visitor, an order without orderId, a decrease below zero.
        await PostAsync(company, "/v1/events/checkout", Checkout("fp_b", "o-1", t.AddMinutes(20)));
        await PostAsync(company, "/v1/events/checkout", Checkout("fp_b", null, t.AddMinutes(21)));
        await PostAsync(company, "/v1/events/cart", Cart("fp_b", "ITEM_ADDED", "p3", 1, t.AddMinutes(22)));
        await PostAsync(company, "/v1/events/cart", Cart("fp_b", "QUANTITY_DECREASED", "p3", 3, t.AddMinutes(23)));
        // A chat that arrives after the order it happened before (a revision), renaming a product on the way.
        await PostAsync(company, "/v1/events/checkout", Checkout("fp_c", "o-2", t.AddHours(2), sockName: "Sock, renamed"));
        await Projections.WaitForNonStaleAsync();
        await PostAsync(company, "/v1/events/interactions", Chat("fp_c", "SHOPPER_MESSAGE", "c-c", "B", t.AddHours(1)));
        await PostAsync(company, "/v1/events/interactions", Chat("fp_c", "ASSISTANT_ANSWER", "c-c", "A", t.AddHours(1).AddMinutes(1)));
        await Projections.WaitForNonStaleAsync();

        var live = await ReadModelRowsAsync(company.CompanyKey);
        Assert.That(live["revenue.conversation_orders"], Has.Count.EqualTo(2), "both credited orders are listed: the scenario revised o-2");
        Assert.That(live["revenue.data_quality_findings"], Has.Count.EqualTo(3));
        Assert.That(live["revenue.applied_contributions"], Is.Not.Empty);

        Assert.That((await company.ReplayAsync()).GetProperty("revisions").GetInt32(), Is.Zero, "the same settings decide the same");
        await Projections.WaitForNonStaleAsync();

        var replayed = await ReadModelRowsAsync(company.CompanyKey);

        // The replay read this small company in one batch; in batches of five events, the rebuild must
        // also carry contributions, rollups and conversations from batch to batch.
        using var engine = RunningSystem.BuildEngine(); // not started: its rebuilds alone
        engine.Services.GetRequiredService<EventStoreOptions>().DaemonBatchSize = 1;
        var runner = engine.Services.GetRequiredService<ProjectionRunner>();
        await runner.RebuildTenantAsync(engine.Services.GetRequiredService<RevenueProjection>(), company.CompanyKey, CancellationToken.None);
        await runner.RebuildTenantAsync(engine.Services.GetRequiredService<DataQualityProjection>(), company.CompanyKey, CancellationToken.None);
        var rebuiltInSmallBatches = await ReadModelRowsAsync(company.CompanyKey);

        Assert.Multiple(() =>
        {
            foreach (var (table, rows) in live)
            {
                Assert.That(replayed[table], Is.EqualTo(rows), $"{table} after the replay");
                Assert.That(rebuiltInSmallBatches[table], Is.EqualTo(rows), $"{table} rebuilt five events at a time");
            }
        });
    }

    /// <summary>Every row the revenue projections keep for a company, as JSON text per table, sorted.</summary>
    private static async Task<Dictionary<string, List<string>>> ReadModelRowsAsync(string companyKey)
    {
        // A contribution of nothing may be stored (live) or left out (a rebuild): both read as nothing.
        var tables = new Dictionary<string, string>
        {
            ["revenue.company_days"] = "true",
            ["revenue.product_days"] = "true",
            ["revenue.variant_days"] = "true",
            ["revenue.conversation_days"] = "true",
            ["revenue.conversation_orders"] = "true",
            ["revenue.conversations"] = "true",
            ["revenue.data_quality_findings"] = "true",
            ["revenue.applied_contributions"] = "t.contribution->'rows' <> '[]'::jsonb OR t.contribution->'order' <> 'null'::jsonb",
        };
        var result = new Dictionary<string, List<string>>();
        foreach (var (table, filter) in tables)
        {
            await using var cmd = TestServices.Database.CreateCommand(
                $"SELECT to_jsonb(t)::text FROM {table} t WHERE t.company_key = $1 AND ({filter}) ORDER BY 1");
            cmd.Parameters.AddWithValue(companyKey);
            var rows = new List<string>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            result[table] = rows;
        }
        return result;
    }

    private static async Task PostAsync(TestCompany company, string path, object body)
    {
        using var response = await company.PostAsServerAsync(path, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid();
        await StoredEvents.WaitForAsync([id], $"{path} stored");
    }

    private static async Task RejectedAsync(TestCompany company, string path, object body)
    {
        using var response = await company.PostAsServerAsync(path, body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), await response.Content.ReadAsStringAsync());
    }

}
