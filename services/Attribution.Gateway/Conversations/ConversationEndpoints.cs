using Attribution.EventStore.Databases;
using System.Text.Json.Serialization;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Revenue;
using Attribution.ServiceDefaults.Companies;
using Npgsql;

namespace Attribution.Gateway.Conversations;

/// <summary>
/// GET /v1/conversations (the list, paged by cursor) and GET /v1/conversations/{id} (the transcript
/// and its orders), contract §6. Conversations come from the revenue read models, messages from the
/// engagement read model (ServiceDefaults migration 0010), where erasure has already masked the text.
/// A conversation's revenue is everything credited to it, whenever the order came.
/// </summary>
public static class ConversationEndpoints
{
    public sealed record ConversationRow(
        string ConversationId, string Channel, string? Variant, DateTimeOffset StartedAt, int Messages, bool Qualified,
        int AttributedOrders, decimal CheckoutRevenue, decimal CartGmv, string Currency,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<RevenueReads.ChannelUnconverted>? Unconverted);

    public sealed record ConversationList(IReadOnlyList<ConversationRow> Conversations, string? NextCursor);

    public sealed record Message(string Kind, string? Text, bool? Helpful, DateTimeOffset OccurredAt);

    public sealed record Transcript(
        string ConversationId, string Channel, string? Variant, bool Qualified, IReadOnlyList<Message> Messages,
        IReadOnlyList<RevenueReads.ConversationOrderView> Orders);

    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("/v1/conversations").WithTags("Conversations").ReadableByViewers();
        conversations.MapGet("", (HttpContext http, CompanyDirectory companies, NpgsqlDataSource catalog, CompanyDatabases databases, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q =>
                {
                    var (page, errors) = ConversationPage.Parse(http.Request.Query);
                    return page is null ? Problems.Validation(errors.ToDictionary()) : TypedResults.Ok(await ListAsync(catalog, await databases.ForCompanyAsync(q.Company.CompanyKey, http.RequestAborted), q, page, http.RequestAborted));
                }))
            .WithSummary("Conversations started in the range with their messages, qualification and credited revenue; sort=revenue|recent, limit, cursor.")
            .Produces<ConversationList>().ProducesValidationProblem();
        conversations.MapGet("/{conversationId}", (string conversationId, HttpContext http, CompanyDirectory companies, CompanyDatabases databases, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q =>
                    await TranscriptAsync(await databases.ForCompanyAsync(q.Company.CompanyKey, http.RequestAborted), q.Company.CompanyKey, conversationId, http.RequestAborted) is { } transcript
                        ? TypedResults.Ok(transcript)
                        : Problems.Status(StatusCodes.Status404NotFound, $"No conversation '{conversationId}' has been recorded for this company.")))
            .WithSummary("A conversation's transcript (text erased where its visitor was erased) and the orders credited to it.")
            .Produces<Transcript>().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Exchange rates from the catalog, conversations from the company's database.</summary>
    public static async Task<ConversationList> ListAsync(NpgsqlDataSource catalog, CompanyDatabase company, ReportQuery q, ConversationPage page, CancellationToken ct)
    {
        var db = company.DataSource;
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var (start, end) = q.Bounds;
        var rows = new Dictionary<string, (string Channel, string? Variant, DateTimeOffset StartedAt, int Messages, bool Qualified)>(StringComparer.Ordinal);
        await using (var cmd = db.CreateCommand("""
            SELECT c.conversation_id, c.channel, c.variant, c.started_at, count(i.event_id)::int,
                   coalesce(bool_or(i.real_message) AND bool_or(i.kind = 'ASSISTANT_ANSWER' AND coalesce(i.helpful, false)), false)
            FROM revenue.conversations c
            LEFT JOIN revenue.interactions i ON i.company_key = c.company_key AND i.conversation_id = c.conversation_id
            WHERE c.company_key = $1 AND c.started_at >= $2 AND c.started_at < $3
            GROUP BY c.conversation_id, c.channel, c.variant, c.started_at
            """))
        {
            cmd.Parameters.AddWithValue(q.Company.CompanyKey);
            cmd.Parameters.AddWithValue(start);
            cmd.Parameters.AddWithValue(end);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetInt32(4), r.GetBoolean(5));
        }

        var money = rows.Keys.ToDictionary(k => k, _ => (Orders: 0, Revenue: new MoneySum(fx, q.Currency), CartGmv: new MoneySum(fx, q.Currency)), StringComparer.Ordinal);
        await using (var cmd = db.CreateCommand("""
            SELECT d.conversation_id, d.day, d.currency, d.attributed_orders, d.checkout_revenue, d.cart_gmv
            FROM revenue.conversation_days d
            JOIN revenue.conversations c ON c.company_key = d.company_key AND c.conversation_id = d.conversation_id
            WHERE d.company_key = $1 AND c.started_at >= $2 AND c.started_at < $3
            """))
        {
            cmd.Parameters.AddWithValue(q.Company.CompanyKey);
            cmd.Parameters.AddWithValue(start);
            cmd.Parameters.AddWithValue(end);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (id, day, currency) = (r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetString(2));
                var m = money[id];
                m.Revenue.Add(r.GetDecimal(4), currency, day);
                m.CartGmv.Add(r.GetDecimal(5), currency, day);
                money[id] = m with { Orders = m.Orders + r.GetInt32(3) };
            }
        }

        var list = rows.Select(row =>
        {
            var (id, c) = (row.Key, row.Value);
            var m = money[id];
            var unconverted = m.Revenue.Unconverted.Keys.Union(m.CartGmv.Unconverted.Keys).Order(StringComparer.Ordinal)
                .Select(code => new RevenueReads.ChannelUnconverted(code, m.Revenue.Unconverted.GetValueOrDefault(code), m.CartGmv.Unconverted.GetValueOrDefault(code)))
                .ToList();
            return new ConversationRow(id, c.Channel, c.Variant, c.StartedAt, c.Messages, c.Qualified, m.Orders, m.Revenue.Value, m.CartGmv.Value,
                q.Currency, unconverted.Count == 0 ? null : unconverted);
        });
        var (pageRows, next) = page.Take(list, r => new ConversationPage.Position(
            page.Sort == ConversationPage.ByRevenue ? r.CheckoutRevenue : r.StartedAt.UtcTicks, r.ConversationId));
        return new ConversationList(pageRows, next);
    }

    public static async Task<Transcript?> TranscriptAsync(CompanyDatabase company, string companyKey, string conversationId, CancellationToken ct)
    {
        var db = company.DataSource;
        string? channel = null, variant = null;
        await using (var cmd = db.CreateCommand("SELECT channel, variant FROM revenue.conversations WHERE company_key = $1 AND conversation_id = $2"))
        {
            cmd.Parameters.AddWithValue(companyKey);
            cmd.Parameters.AddWithValue(conversationId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct)) (channel, variant) = (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1));
        }

        var messages = new List<Message>();
        bool real = false, helpful = false;
        await using (var cmd = db.CreateCommand("""
            SELECT kind, text, helpful, occurred_at, channel, variant, real_message FROM revenue.interactions
            WHERE company_key = $1 AND conversation_id = $2 ORDER BY occurred_at, event_id
            """))
        {
            cmd.Parameters.AddWithValue(companyKey);
            cmd.Parameters.AddWithValue(conversationId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var kind = r.GetString(0);
                bool? isHelpful = r.IsDBNull(2) ? null : r.GetBoolean(2);
                messages.Add(new Message(kind, r.IsDBNull(1) ? null : r.GetString(1), isHelpful, r.GetFieldValue<DateTimeOffset>(3)));
                channel ??= r.GetString(4);
                variant ??= r.IsDBNull(5) ? null : r.GetString(5);
                real |= r.GetBoolean(6);
                helpful |= kind == "ASSISTANT_ANSWER" && isHelpful == true;
            }
        }
        if (channel is null) return null;

        var orders = new List<RevenueReads.ConversationOrderView>();
        await using (var cmd = db.CreateCommand("""
            SELECT order_id, value, currency, occurred_at FROM revenue.conversation_orders
            WHERE company_key = $1 AND conversation_id = $2 ORDER BY occurred_at, order_id
            """))
        {
            cmd.Parameters.AddWithValue(companyKey);
            cmd.Parameters.AddWithValue(conversationId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                orders.Add(new RevenueReads.ConversationOrderView(r.IsDBNull(0) ? null : r.GetString(0), r.GetDecimal(1), r.GetString(2).Trim(), r.GetFieldValue<DateTimeOffset>(3)));
        }
        return new Transcript(conversationId, channel, variant, real && helpful, messages, orders);
    }
}
