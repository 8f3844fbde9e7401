using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Visitors;

/// <summary>
/// DELETE /v1/visitors/{fingerprint}: the visitor's fingerprints (chat and FAQ) and message text
/// leave every stream and read model of the company, every aggregate stays the same, a replay
/// afterwards still equals live, and other visitors and companies are untouched.
/// </summary>
[NonParallelizable]
public sealed class VisitorErasureTests
{
    private const string Erased = "fp_erase_me_1";
    private const string ErasedFaq = "faq_erase_me_1";
    private const string PersonalText = "Which trail shoes for me? I am Jane Doe, jane.doe@example.com, size 38";
    private const string KeptText = "Keep this visitor's words";

    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task Erasing_a_visitor_removes_fingerprints_and_text_everywhere_and_keeps_every_aggregate_and_replay()
    {
        var company = await _system.CreateCompanyAsync("Erasure store");
        var other = await _system.CreateCompanyAsync("Other store");
        await SendJourneyAsync(company, Erased, ErasedFaq, PersonalText, "erase");
        await SendJourneyAsync(company, "fp_keep_1", "faq_keep_1", KeptText, "keep");
        await SendJourneyAsync(other, Erased, ErasedFaq, PersonalText, "other"); // the same browser in another shop
        await Projections.WaitForNonStaleAsync();

        var before = await FiguresAsync(company);
        var decisionsBefore = await DecisionCountAsync(company.CompanyKey);
        Assert.That(await PersonalDataCountAsync(company.CompanyKey, Erased, ErasedFaq, "jane.doe@example.com"), Is.GreaterThan(0), "the data set itself");

        using (var anonymous = await _system.Http.DeleteAsync($"/v1/visitors/{Erased}"))
            Assert.That(anonymous.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        using (var bad = await DeleteAsync(company, "not a fingerprint!"))
        {
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await bad.Content.ReadAsStringAsync(), Does.Contain("\"fingerprint\""));
        }

        using (var erased = await DeleteAsync(company, Erased))
        {
            var body = await erased.Content.ReadAsStringAsync();
            Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            var result = JsonDocument.Parse(body).RootElement;
            Assert.That(result.GetProperty("fingerprints").GetInt32(), Is.EqualTo(2), "the chat fingerprint and the FAQ one its events carried");
            Assert.That(result.GetProperty("readModelsCaughtUp").GetBoolean(), Is.True);
        }

        Assert.Multiple(async () =>
        {
            Assert.That(await PersonalDataCountAsync(company.CompanyKey, Erased, ErasedFaq, "jane.doe@example.com"), Is.Zero,
                "no stream, event, document or read model of the company holds the fingerprints or the text");
            Assert.That(await PersonalDataCountAsync(company.CompanyKey, KeptText), Is.GreaterThan(0), "another visitor keeps their data");
            Assert.That(await PersonalDataCountAsync(other.CompanyKey, Erased, "jane.doe@example.com"), Is.GreaterThan(0), "another company is untouched");
            Assert.That(await FiguresAsync(company), Is.EqualTo(before), "every aggregate unchanged");
            Assert.That(await DecisionCountAsync(company.CompanyKey), Is.EqualTo(decisionsBefore), "erasure revised no decision");
            Assert.That(await StoredEvents.StreamsOutOfStepAsync(), Is.Empty, "erasure moved the visitor's streams whole");
        });
        using (var cart = await company.GetAsServerAsync($"/v1/visitors/{Erased}/cart"))
            Assert.That(cart.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the visitor is no longer known by that fingerprint");
        using (var again = await DeleteAsync(company, Erased))
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "nothing left to erase");

        // Replay after erasure recomputes the same figures from the masked streams.
        Assert.That((await company.ReplayAsync()).GetProperty("status").GetString(), Is.EqualTo("completed"));
        await Projections.WaitForNonStaleAsync("the replay's revisions to be projected");
        Assert.Multiple(async () =>
        {
            Assert.That(await FiguresAsync(company), Is.EqualTo(before), "replay equals live after erasure");
            Assert.That(await PersonalDataCountAsync(company.CompanyKey, Erased, ErasedFaq, "jane.doe@example.com"), Is.Zero, "and brings nothing back");
        });
    }

    private static Task<HttpResponseMessage> DeleteAsync(TestCompany company, string fingerprint) =>
        company.SendAsServerAsync(HttpMethod.Delete, $"/v1/visitors/{Uri.EscapeDataString(fingerprint)}");

    /// <summary>A chat with personal text, an FAQ exchange, a cart and an attributed order, with both fingerprints.</summary>
    private static async Task SendJourneyAsync(TestCompany company, string fp, string faq, string text, string prefix)
    {
        var now = DateTimeOffset.UtcNow;
        string At(double hoursAgo) => WireTime.Of(now - TimeSpan.FromHours(hoursAgo));
        using var batch = await company.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = fp, channel = "CHAT", conversationId = prefix + "-chat", variant = "A", text, occurredAt = At(3) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = fp, channel = "CHAT", conversationId = prefix + "-chat", variant = "A", helpful = true, text = "Try the Cloud Runner.", occurredAt = At(2.9) },
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFaqFingerprint = faq, channel = "FAQ", conversationId = prefix + "-faq", text = text + " (FAQ)", occurredAt = At(2.8) },
                new { kind = "cart", userFingerprint = fp, userFaqFingerprint = faq, type = "ITEM_ADDED", productId = "SKU-1", productName = "Cloud Runner", value = 129.99m, currency = "USD", quantity = 2, occurredAt = At(2.5) },
                new { kind = "cart", userFingerprint = fp, userFaqFingerprint = faq, type = "QUANTITY_DECREASED", productId = "SKU-1", productName = "Cloud Runner", value = 129.99m, currency = "USD", quantity = 1, occurredAt = At(2.4) },
                new { kind = "checkout", userFingerprint = fp, userFaqFingerprint = faq, orderId = prefix + "-order", value = 129.99m, currency = "USD", occurredAt = At(2),
                      lineItems = new[] { new { productId = "SKU-1", productName = "Cloud Runner", quantity = 1, value = 129.99m, currency = "USD" } } },
            },
        });
        var body = await batch.Content.ReadFromJsonAsync<JsonElement>();
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.That(results.Select(r => r.GetProperty("status").GetString()), Is.All.EqualTo("accepted"), body.ToString());
        await StoredEvents.WaitForAsync(results.Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "the journey stored");
    }

    /// <summary>Every figure the company can read, as text, for before/after comparison.</summary>
    private static async Task<string> FiguresAsync(TestCompany company)
    {
        var parts = new List<string>();
        foreach (var path in new[] { "/v1/revenue/summary", "/v1/revenue/products", "/v1/revenue/variants", "/v1/revenue/cart-gmv/daily",
                                     "/v1/conversations/erase-chat/revenue", "/v1/conversations/keep-chat/revenue",
                                     "/v1/revenue/lift", "/v1/revenue/channels", "/v1/revenue/daily", "/v1/conversations" })
            parts.Add(path + " " + (await company.GetJsonAsync(path)).GetRawText());
        foreach (var order in new[] { "erase-order", "keep-order" })
        {
            var explain = await company.GetJsonAsync($"/v1/attribution/orders/{order}");
            Assert.That(explain.GetProperty("attributed").GetBoolean(), Is.True, explain.ToString());
            parts.Add(order + " conversation=" + explain.GetProperty("creditedInteraction").GetProperty("conversationId").GetString());
        }
        return string.Join("\n", parts);
    }

    [Test]
    public async Task Erasing_a_fingerprint_that_equals_another_value_of_the_company_changes_nothing_else()
    {
        var company = await _system.CreateCompanyAsync("Look-alike store");
        // FiguresAsync reads the "erase-…" and "keep-…" conversations and orders.
        await SendJourneyAsync(company, "fp_alike_1", "faq_alike_1", KeptText, "erase");
        await SendJourneyAsync(company, "fp_alike_2", "faq_alike_2", KeptText, "keep");
        await Projections.WaitForNonStaleAsync();
        var figures = await FiguresAsync(company);
        var data = await CompanyDataAsync(company.CompanyKey);

        // A currency, a product, a channel, a conversation, an order and the company's own key: no visitor has them as a fingerprint.
        foreach (var lookalike in new[] { "USD", "SKU-1", "CHAT", "erase-chat", "erase-order", company.CompanyKey })
            using (var erased = await DeleteAsync(company, lookalike))
                Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), $"{lookalike}: {await erased.Content.ReadAsStringAsync()}");

        Assert.That(await CompanyDataAsync(company.CompanyKey), Is.EqualTo(data), "every event and document as it was");
        Assert.That(await FiguresAsync(company), Is.EqualTo(figures));
    }

    /// <summary>The company's stored events and documents, as text.</summary>
    private static async Task<string> CompanyDataAsync(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT string_agg(x, E'\n' ORDER BY x) FROM (
                SELECT stream_id || ' ' || data::text AS x FROM event_store.mt_events WHERE tenant_id = $1
                UNION ALL SELECT id || ' ' || data::text FROM event_store.documents WHERE starts_with(id, $1 || ':')) rows
            """);
        cmd.Parameters.AddWithValue(companyKey);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    [Test]
    public async Task A_second_pass_after_a_projection_wrote_the_old_key_again_merges_into_the_pseudonym()
    {
        // The engagement projection may have read the visitor's events just before the first pass and
        // write the fingerprint's rows again after it; the erasure's second pass must fold them in.
        var companyKey = "ck_merge_" + Guid.NewGuid().ToString("N");
        var pseudonyms = new Dictionary<string, string> { ["fp_merge"] = "erased-merge" };
        await WriteEngagementRowsAsync(companyKey, "fp_merge");
        await Attribution.Gateway.Visitors.Erasure.EngagementErasure.ApplyAsync(TestServices.Database, companyKey, pseudonyms, CancellationToken.None);
        await WriteEngagementRowsAsync(companyKey, "fp_merge");

        await Attribution.Gateway.Visitors.Erasure.EngagementErasure.ApplyAsync(TestServices.Database, companyKey, pseudonyms, CancellationToken.None);

        Assert.That(await PersonalDataCountAsync(companyKey, "fp_merge"), Is.Zero);
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT (SELECT count(*) FROM revenue.visitor_days WHERE company_key = $1 AND visitor_key = 'erased-merge'),
                   (SELECT count(*) FROM revenue.visitor_aliases WHERE company_key = $1 AND alias_key = 'faq#erased-merge')
            """);
        cmd.Parameters.AddWithValue(companyKey);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.That((reader.GetInt64(0), reader.GetInt64(1)), Is.EqualTo((1L, 1L)), "one day row and one alias for the pseudonym");
    }

    private static async Task WriteEngagementRowsAsync(string companyKey, string fingerprint)
    {
        foreach (var sql in new[]
                 {
                     "INSERT INTO revenue.visitor_days (company_key, visitor_key, day) VALUES ($1, $2, DATE '2026-12-01')",
                     "INSERT INTO revenue.visitor_aliases (company_key, alias_key, visitor_key) VALUES ($1, 'faq#' || $2, $2)",
                 })
        {
            await using var cmd = TestServices.Database.CreateCommand(sql);
            cmd.Parameters.AddWithValue(companyKey);
            cmd.Parameters.AddWithValue(fingerprint);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static async Task<long> DecisionCountAsync(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand(
            "SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND type IN ('attribution_decided.v2', 'refund_decided.v1')");
        cmd.Parameters.AddWithValue(companyKey);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>How many rows of the company, anywhere personal data could sit, contain any of the needles.</summary>
    private static async Task<long> PersonalDataCountAsync(string companyKey, params string[] needles)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT (SELECT count(*) FROM event_store.mt_events e WHERE e.tenant_id = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(e.data::text || e.stream_id || coalesce(e.headers::text, '') || coalesce(e.correlation_id, '') || coalesce(e.causation_id, ''), n) > 0))
                 + (SELECT count(*) FROM event_store.mt_streams s WHERE s.tenant_id = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(s.id, n) > 0))
                 + (SELECT count(*) FROM event_store.documents d WHERE starts_with(d.id, $1 || ':')
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(d.id || d.data::text, n) > 0))
                 + (SELECT count(*) FROM revenue.data_quality_findings f WHERE f.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(f.detail, n) > 0))
                 + (SELECT count(*) FROM revenue.interactions i WHERE i.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(i.visitor_key || coalesce(i.text, ''), n) > 0))
                 + (SELECT count(*) FROM revenue.visitor_days v WHERE v.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(v.visitor_key, n) > 0))
                 + (SELECT count(*) FROM revenue.visitor_orders o WHERE o.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(coalesce(o.visitor_key, ''), n) > 0))
                 + (SELECT count(*) FROM revenue.visitor_aliases a WHERE a.company_key = $1
                      AND EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE strpos(a.alias_key || a.visitor_key, n) > 0))
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(needles);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
