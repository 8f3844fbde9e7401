using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Decisions;

/// <summary>
/// Late events revise decisions, replays recompute them under new settings, and downstream
/// services hear of each change once (through the sample subscriber, over the real broker).
/// </summary>
[NonParallelizable]
public sealed class RevisionAndReplayTests
{
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        await _system.StartSubscriberAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    private static string At(DateTimeOffset t) => WireTime.Of(t);

    /// <summary>A helpful chat, waited for until both interactions are stored (so a later checkout is decided after them).</summary>
    private static async Task Chat(TestCompany company, string fp, DateTimeOffset at, string conversation = "conv_1")
    {
        var ids = new List<Guid>();
        foreach (var body in new object[]
        {
            new { userFingerprint = fp, channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId = conversation, text = "waterproof trail shoes?", occurredAt = At(at) },
            new { userFingerprint = fp, channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId = conversation, helpful = true, occurredAt = At(at.AddMinutes(1)) },
        })
        {
            using var r = await company.PostAsServerAsync("/v1/events/interactions", body);
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            ids.Add(Guid.Parse((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetString()!));
        }
        await StoredEvents.WaitForAsync(ids, "the chat stored");
    }

    private static async Task<Guid> Checkout(TestCompany company, string fp, string orderId, DateTimeOffset at)
    {
        using var r = await company.PostAsBrowserAsync("/v1/events/checkout", new { userFingerprint = fp, orderId, value = 120.00m, currency = "USD", occurredAt = At(at) });
        Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return Guid.Parse((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetString()!);
    }

    private static Task<JsonElement> Explain(TestCompany company, Guid eventId, Func<JsonElement, bool> done, string what) =>
        Poll.UntilAsync(async () =>
        {
            using var r = await company.GetAsServerAsync($"/v1/attribution/events/{eventId}");
            return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, e => e.ValueKind == JsonValueKind.Object && done(e), TimeSpan.FromSeconds(20), what);

    private static async Task<List<(string Type, int Deliveries, JsonElement Payload)>> Received(Guid sourceEventId)
    {
        await using var cmd = TestServices.Database.CreateCommand(
            "SELECT message_type, deliveries, payload::text FROM sample_subscriber.received_messages WHERE source_event_id = $1 ORDER BY received_at");
        cmd.Parameters.AddWithValue(sourceEventId);
        var rows = new List<(string, int, JsonElement)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1), JsonDocument.Parse(reader.GetString(2)).RootElement.Clone()));
        return rows;
    }

    private static Task<long> DecisionEvents(string companyKey) =>
        CountAsync("SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'attribution_decided.v2'", companyKey);

    [Test]
    public async Task An_attributed_checkout_is_announced_once_to_downstream_services()
    {
        var company = await _system.CreateCompanyAsync("Announce");
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..8];
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        await Chat(company, fp, t);
        var checkout = await Checkout(company, fp, "ORD-A1", t.AddHours(1));

        var received = await Poll.UntilAsync(() => Received(checkout), r => r.Count > 0, TimeSpan.FromSeconds(20), "RevenueAttributed received");

        Assert.That(received.Select(r => r.Type), Is.EqualTo(new[] { "RevenueAttributed" }));
        var message = received[0].Payload;
        Assert.That(message.GetProperty("Amount").GetDecimal(), Is.EqualTo(120.00m));
        Assert.That(message.GetProperty("OrderId").GetString(), Is.EqualTo("ORD-A1"));
        Assert.That(message.GetProperty("ConversationId").GetString(), Is.EqualTo("conv_1"));
    }

    [Test]
    public async Task An_interaction_that_arrives_late_but_happened_before_revises_the_decision()
    {
        var company = await _system.CreateCompanyAsync("Late arrivals");
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..8];
        var t = DateTimeOffset.UtcNow.AddHours(-3);
        var checkout = await Checkout(company, fp, "ORD-LATE", t.AddHours(2));
        var first = await Explain(company, checkout, e => e.GetProperty("revision").GetInt32() == 1, "the first decision");
        Assert.That(first.GetProperty("attributed").GetBoolean(), Is.False);

        await Chat(company, fp, t); // happened two hours before the checkout, arrives after it

        var revised = await Explain(company, checkout, e => e.GetProperty("attributed").GetBoolean(), "the revised decision");
        Assert.That(revised.GetProperty("revision").GetInt32(), Is.GreaterThanOrEqualTo(2));
        var received = await Poll.UntilAsync(() => Received(checkout), r => r.Count > 0, TimeSpan.FromSeconds(20), "AttributionRevised received");
        Assert.That(received.Select(r => r.Type), Is.EqualTo(new[] { "AttributionRevised" }));
        Assert.That(received[0].Payload.GetProperty("Before").GetProperty("Attributed").GetBoolean(), Is.False);
        Assert.That(received[0].Payload.GetProperty("After").GetProperty("Attributed").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Replay_with_a_wider_window_attributes_the_30_hour_case_with_exactly_one_revision_and_a_second_replay_changes_nothing()
    {
        var company = await _system.CreateCompanyAsync("Replay");
        var t = DateTimeOffset.UtcNow.AddHours(-40);
        var near = "fp_near_" + Guid.NewGuid().ToString("N")[..6];
        var far = "fp_far_" + Guid.NewGuid().ToString("N")[..6];
        await Chat(company, near, t);
        await Chat(company, far, t);
        var nearCheckout = await Checkout(company, near, "ORD-NEAR", t.AddHours(2));
        var farCheckout = await Checkout(company, far, "ORD-FAR", t.AddHours(30));
        await Explain(company, nearCheckout, e => e.GetProperty("attributed").GetBoolean(), "the 2 h case attributed");
        var before = await Explain(company, farCheckout, e => e.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains("outside the 24 h window", StringComparison.Ordinal)),
            "the 30 h case decided outside the window");
        Assert.That(before.GetProperty("attributed").GetBoolean(), Is.False);
        await Poll.UntilAsync(() => Received(nearCheckout), r => r.Count > 0, TimeSpan.FromSeconds(20), "the 2 h case announced");
        // A first replay under the same settings builds the read models under them: the window replay below
        // then changes them through the projection (its revision and its confirmation), not by a rebuild.
        Assert.That((await company.ReplayAsync()).GetProperty("revisions").GetInt32(), Is.Zero);

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"/v1/admin/companies/{company.CompanyKey}") { Content = JsonContent.Create(new { attributionWindowHours = 48 }) })
        {
            patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningSystem.AdminToken);
            using var patched = await _system.Http.SendAsync(patch);
            Assert.That(patched.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        var first = await company.ReplayAsync();
        var after = await Explain(company, farCheckout, e => e.GetProperty("attributed").GetBoolean(), "the 30 h case attributed after the replay");
        var decisionsAfterFirst = await DecisionEvents(company.CompanyKey);
        var second = await company.ReplayAsync();

        Assert.That(after.GetProperty("windowHours").GetInt32(), Is.EqualTo(48));
        Assert.That(after.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=48h"));
        Assert.That(first.GetProperty("revisions").GetInt32(), Is.EqualTo(1), "only the decision whose outcome changes is written");

        // The 2 h case is the same under 48 h: no revision of its own, it stands under the confirmed version.
        var nearAfter = await company.GetJsonAsync($"/v1/attribution/events/{nearCheckout}");
        Assert.That(nearAfter.GetProperty("revision").GetInt32(), Is.EqualTo(1), "not rewritten for the rule version's name");
        Assert.That(nearAfter.GetProperty("windowHours").GetInt32(), Is.EqualTo(48));
        Assert.That(nearAfter.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=48h"));
        Assert.That(nearAfter.GetProperty("attributed").GetBoolean(), Is.True);
        var summary = await company.GetJsonAsync("/v1/revenue/summary");
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(2), "the replay reports once the figures hold its revision");
        Assert.That(summary.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(240.00m));
        Assert.That(summary.GetProperty("totalCheckoutRevenue").GetDecimal(), Is.EqualTo(240.00m), "the far order's unattributed revenue taken back, not doubled");
        Assert.That(summary.GetProperty("ruleVersion").GetString(), Is.EqualTo("qualified-first.v1;window=48h"),
            "the unwritten decision counts under the confirmed version, not mixed with the old one");
        var conversation = await company.GetJsonAsync("/v1/conversations/conv_1/revenue"); // both chats are conv_1
        Assert.That(conversation.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(240.00m));
        Assert.That(conversation.GetProperty("orders").GetArrayLength(), Is.EqualTo(2));
        Assert.That(second.GetProperty("revisions").GetInt32(), Is.Zero, "the same settings change nothing");
        Assert.That(await DecisionEvents(company.CompanyKey), Is.EqualTo(decisionsAfterFirst));

        var farMessages = await Poll.UntilAsync(() => Received(farCheckout), r => r.Count > 0, TimeSpan.FromSeconds(20), "the revision announced");
        var nearMessages = await Received(nearCheckout);
        Assert.That(farMessages.Select(r => r.Type), Is.EqualTo(new[] { "AttributionRevised" }), "exactly one AttributionRevised for the 30 h case");
        Assert.That(nearMessages.Select(r => r.Type), Is.EqualTo(new[] { "RevenueAttributed" }), "a rule-version-only change is not announced");
    }

    [Test]
    public async Task Decisions_stored_before_v2_still_explain_count_and_replay_to_what_live_showed_without_a_new_revision()
    {
        var company = await _system.CreateCompanyAsync("Stored v1");
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..8];
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        await Chat(company, fp, t);
        var checkout = await Checkout(company, fp, "ORD-V1", t.AddHours(1));
        await Explain(company, checkout, e => e.GetProperty("attributed").GetBoolean(), "the checkout attributed");
        var live = await Poll.UntilAsync(() => company.GetJsonAsync("/v1/revenue/summary"),
            s => s.GetProperty("checkoutRevenue").GetDecimal() == 120.00m, TimeSpan.FromSeconds(20), "the order's revenue visible");

        // Turn the company's stored decisions into what an engine before v2 wrote: the v1 name, with the rule's words inside.
        foreach (var sql in new[]
        {
            "UPDATE event_store.mt_events SET type = 'attribution_decided.v1', data = data || jsonb_build_object('rule', $2::text) WHERE tenant_id = $1 AND type = 'attribution_decided.v2'",
            "UPDATE event_store.documents SET data = data || jsonb_build_object('rule', $2::text) WHERE type = 'attribution_decision' AND data->>'companyKey' = $1",
        })
        {
            await using var cmd = TestServices.Database.CreateCommand(sql);
            cmd.Parameters.AddWithValue(company.CompanyKey);
            cmd.Parameters.AddWithValue("The v1 rule description.");
            await cmd.ExecuteNonQueryAsync();
        }
        var storedV1 = await CountAsync("SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'attribution_decided.v1'", company.CompanyKey);
        Assert.That(storedV1, Is.GreaterThanOrEqualTo(1));

        var replay = await company.ReplayAsync();

        Assert.That(replay.GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That(replay.GetProperty("revisions").GetInt32(), Is.Zero, "a v1 decision read through the upcaster is the same decision");
        Assert.That(await DecisionEvents(company.CompanyKey), Is.Zero, "nothing re-written as v2");
        Assert.That((await company.GetJsonAsync("/v1/revenue/summary")).GetRawText(), Is.EqualTo(live.GetRawText()), "the rebuild read the v1 decisions");
        var explained = await company.GetJsonAsync($"/v1/attribution/events/{checkout}");
        Assert.That(explained.GetProperty("attributed").GetBoolean(), Is.True);
        Assert.That(explained.GetProperty("revision").GetInt32(), Is.EqualTo(1));
        Assert.That(explained.GetProperty("rule").GetString(), Does.StartWith("A CHAT or FAQ conversation qualifies"), "the rule's words come from its version");
    }

    private static async Task<long> CountAsync(string sql, string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand(sql);
        cmd.Parameters.AddWithValue(companyKey);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    [Test]
    public async Task Refunds_subtract_from_the_orders_credit_once_per_refund_id_and_never_below_zero()
    {
        var company = await _system.CreateCompanyAsync("Refunds");
        var fp = "fp_" + Guid.NewGuid().ToString("N")[..8];
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        await Chat(company, fp, t);
        await Checkout(company, fp, "ORD-R", t.AddHours(1)); // 120.00 USD

        var refunds = new[] { ("R-1", 50.00m), ("R-1", 50.00m), ("R-2", 100.00m) }; // a retried R-1, then more than is left
        foreach (var (refundId, amount) in refunds)
        {
            using var r = await company.PostAsServerAsync("/v1/events/refund", new { refundId, orderId = "ORD-R", amount, currency = "USD" });
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var applied = await Poll.UntilAsync(async () =>
        {
            await using var cmd = TestServices.Database.CreateCommand("""
                SELECT data->>'refundId', (data->>'applied')::numeric, (data->>'attributed')::boolean, data->'credited'->>'conversationId'
                FROM event_store.documents WHERE type = 'refund_decision' AND data->>'companyKey' = $1 ORDER BY data->>'occurredAt'
                """);
            cmd.Parameters.AddWithValue(company.CompanyKey);
            var rows = new List<(string RefundId, decimal Applied, bool Attributed, string? Conversation)>();
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetDecimal(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            return rows;
        }, rows => rows.Count == 3 && rows.All(r => r.Attributed) && rows.Sum(r => r.Applied) == 120.00m, TimeSpan.FromSeconds(20), "three refund decisions summing to the order");

        Assert.That(applied.Sum(r => r.Applied), Is.EqualTo(120.00m), "50 once for R-1, then the 70 left of the order for R-2");
        Assert.That(applied.Count(r => r.RefundId == "R-1" && r.Applied == 50.00m), Is.EqualTo(1));
        Assert.That(applied.Single(r => r.RefundId == "R-2").Applied, Is.EqualTo(70.00m));
        Assert.That(applied.Select(r => r.Conversation), Is.All.EqualTo("conv_1"), "a refund subtracts from what the order was credited to");
    }
}
