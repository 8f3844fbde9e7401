using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.Domain.Companies;
using Attribution.Domain.Interactions;
using Attribution.Domain.Visitors;
using Attribution.EventStore.StoredEvents;
using Attribution.ServiceDefaults.Companies;
using Npgsql;
using NpgsqlTypes;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.ReadModels.Engagement;

/// <summary>
/// The engagement read models (asynchronous; schema: ServiceDefaults migration 0010): every
/// interaction for transcripts and qualification, the days each visitor was seen, each visitor's
/// checkouts with whether their decision counts them, and FAQ keys joined to chat visitors. The
/// gateway answers the conversation list, the transcript and the lift from them. Nothing here
/// depends on the company's window, so a replay needs no rebuild: revised decisions arrive as events.
/// </summary>
public sealed class EngagementProjection(CompanyDirectory companies) : ITenantProjection
{
    public string Name => ProjectionNames.Engagement;

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(VisitorEvents.V1.VisitorInteractionRecorded), typeof(VisitorEvents.V1.CartEventRecorded),
        typeof(VisitorEvents.V1.CheckoutRecorded), typeof(V2.AttributionDecided),
    ];

    private sealed record InteractionRow(
        string CompanyKey, Guid EventId, string VisitorKey, string Channel, string Kind, string? ConversationId, string? NudgeId,
        string? Text, bool RealMessage, bool? Helpful, string? Variant, DateTimeOffset OccurredAt);

    private sealed record OrderRow(string CompanyKey, Guid SourceEventId, string VisitorKey, DateOnly Day, decimal Value, string Currency);

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var interactions = new Dictionary<(string, Guid), InteractionRow>();
        var days = new HashSet<(string Company, string Visitor, DateOnly Day)>();
        var orders = new Dictionary<(string, Guid), OrderRow>();
        var counted = new Dictionary<(string, Guid), bool>();
        var aliases = new Dictionary<(string Company, string Alias), string>();

        foreach (var e in batch.Events)
            switch (e.Data)
            {
                case VisitorEvents.V1.VisitorInteractionRecorded i when VisitorOf(i) is { } visitor:
                    interactions[(i.CompanyKey, i.EventId)] = new InteractionRow(i.CompanyKey, i.EventId, visitor, i.Channel.ToString(),
                        i.Kind.ToString(), i.ConversationId, i.NudgeId, i.Text,
                        i.Kind == InteractionKind.SHOPPER_MESSAGE && ShopperMessages.IsReal(i.Text), i.Helpful, i.Variant, i.OccurredAt);
                    days.Add((i.CompanyKey, visitor, await DayOfAsync(i.CompanyKey, i.OccurredAt, ct)));
                    break;
                case VisitorEvents.V1.CartEventRecorded c when Named(c.UserFingerprint, c.UserFaqFingerprint):
                    var cartVisitor = VisitorKey.Of(c.UserFingerprint, c.UserFaqFingerprint);
                    days.Add((c.CompanyKey, cartVisitor, await DayOfAsync(c.CompanyKey, c.OccurredAt, ct)));
                    AddAlias(aliases, c.CompanyKey, c.UserFingerprint, c.UserFaqFingerprint);
                    break;
                case VisitorEvents.V1.CheckoutRecorded o when Named(o.UserFingerprint, o.UserFaqFingerprint):
                    // An order without any fingerprint is nobody's visit: the lift leaves it out.
                    var buyer = VisitorKey.Of(o.UserFingerprint, o.UserFaqFingerprint);
                    var day = await DayOfAsync(o.CompanyKey, o.OccurredAt, ct);
                    days.Add((o.CompanyKey, buyer, day));
                    orders[(o.CompanyKey, o.EventId)] = new OrderRow(o.CompanyKey, o.EventId, buyer, day, o.Value, o.Currency);
                    AddAlias(aliases, o.CompanyKey, o.UserFingerprint, o.UserFaqFingerprint);
                    break;
                case V2.AttributionDecided { Kind: RevenueKind.CHECKOUT } d:
                    counted[(d.CompanyKey, d.SourceEventId)] = d.Counted; // the latest revision in the batch wins
                    break;
            }

        await using var write = new NpgsqlBatch(batch.Connection, batch.Transaction);
        if (interactions.Count > 0) write.BatchCommands.Add(InsertInteractions(interactions.Values));
        if (days.Count > 0) write.BatchCommands.Add(InsertDays(days));
        if (orders.Count > 0) write.BatchCommands.Add(UpsertOrders(orders.Values));
        if (counted.Count > 0) write.BatchCommands.Add(UpsertCounted(counted));
        if (aliases.Count > 0) write.BatchCommands.Add(InsertAliases(aliases));
        if (write.BatchCommands.Count > 0) await write.ExecuteNonQueryAsync(ct);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        DeleteAsync(connection, transaction, null, ct);

    public Task ResetTenantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken ct) =>
        DeleteAsync(connection, transaction, tenantId, ct);

    /// <summary>CHAT and NUDGE are the chat fingerprint's, FAQ the FAQ fingerprint's (as the visitor streams are keyed).</summary>
    private static string? VisitorOf(VisitorEvents.V1.VisitorInteractionRecorded i) =>
        i.Channel == InteractionChannel.FAQ
            ? (Named(null, i.UserFaqFingerprint) ? VisitorKey.Of(null, i.UserFaqFingerprint) : null)
            : (Named(i.UserFingerprint, null) ? VisitorKey.Of(i.UserFingerprint, null) : null);

    private static bool Named(string? fingerprint, string? faqFingerprint) =>
        !string.IsNullOrEmpty(fingerprint) || !string.IsNullOrEmpty(faqFingerprint);

    private static void AddAlias(Dictionary<(string, string), string> aliases, string companyKey, string? fingerprint, string? faqFingerprint)
    {
        if (string.IsNullOrEmpty(fingerprint) || string.IsNullOrEmpty(faqFingerprint)) return;
        aliases.TryAdd((companyKey, VisitorKey.Of(null, faqFingerprint)), fingerprint); // the first join in the batch wins, as in the table
    }

    private async Task<DateOnly> DayOfAsync(string companyKey, DateTimeOffset at, CancellationToken ct)
    {
        var company = await companies.FindByKeyAsync(companyKey, ct);
        return CompanyCalendar.DayOf(at, company is null ? NodaTime.DateTimeZone.Utc : CompanyCalendar.ZoneOf(company));
    }

    // One statement per table and batch, rows passed as arrays (as the revenue tables are written).

    private static NpgsqlBatchCommand InsertInteractions(IReadOnlyCollection<InteractionRow> rows) => new("""
        INSERT INTO revenue.interactions (company_key, event_id, visitor_key, channel, kind, conversation_id, nudge_id, text,
                                          real_message, helpful, variant, occurred_at)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                             $9::boolean[], $10::boolean[], $11::text[], $12::timestamptz[])
        ON CONFLICT DO NOTHING
        """)
    {
        Parameters =
        {
            new() { Value = rows.Select(r => r.CompanyKey).ToArray() },
            new() { Value = rows.Select(r => r.EventId).ToArray() },
            new() { Value = rows.Select(r => r.VisitorKey).ToArray() },
            new() { Value = rows.Select(r => r.Channel).ToArray() },
            new() { Value = rows.Select(r => r.Kind).ToArray() },
            Texts(rows.Select(r => r.ConversationId)),
            Texts(rows.Select(r => r.NudgeId)),
            Texts(rows.Select(r => r.Text)),
            new() { Value = rows.Select(r => r.RealMessage).ToArray() },
            new() { Value = rows.Select(r => r.Helpful).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean },
            Texts(rows.Select(r => r.Variant)),
            new() { Value = rows.Select(r => r.OccurredAt).ToArray() },
        },
    };

    private static NpgsqlBatchCommand InsertDays(IReadOnlyCollection<(string Company, string Visitor, DateOnly Day)> rows) => new("""
        INSERT INTO revenue.visitor_days (company_key, visitor_key, day)
        SELECT * FROM unnest($1::text[], $2::text[], $3::date[]) ON CONFLICT DO NOTHING
        """)
    {
        Parameters =
        {
            new() { Value = rows.Select(r => r.Company).ToArray() },
            new() { Value = rows.Select(r => r.Visitor).ToArray() },
            new() { Value = rows.Select(r => r.Day).ToArray() },
        },
    };

    private static NpgsqlBatchCommand UpsertOrders(IReadOnlyCollection<OrderRow> rows) => new("""
        INSERT INTO revenue.visitor_orders AS o (company_key, source_event_id, visitor_key, day, value, currency)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::date[], $5::numeric[], $6::text[])
        ON CONFLICT (company_key, source_event_id) DO UPDATE
        SET visitor_key = excluded.visitor_key, day = excluded.day, value = excluded.value, currency = excluded.currency
        """)
    {
        Parameters =
        {
            new() { Value = rows.Select(r => r.CompanyKey).ToArray() },
            new() { Value = rows.Select(r => r.SourceEventId).ToArray() },
            new() { Value = rows.Select(r => r.VisitorKey).ToArray() },
            new() { Value = rows.Select(r => r.Day).ToArray() },
            new() { Value = rows.Select(r => r.Value).ToArray() },
            new() { Value = rows.Select(r => r.Currency).ToArray() },
        },
    };

    // A decision usually follows its checkout; the row is made either way and completed by the other.
    private static NpgsqlBatchCommand UpsertCounted(Dictionary<(string Company, Guid Source), bool> rows) => new("""
        INSERT INTO revenue.visitor_orders AS o (company_key, source_event_id, counted)
        SELECT * FROM unnest($1::text[], $2::uuid[], $3::boolean[])
        ON CONFLICT (company_key, source_event_id) DO UPDATE SET counted = excluded.counted
        """)
    {
        Parameters =
        {
            new() { Value = rows.Keys.Select(k => k.Company).ToArray() },
            new() { Value = rows.Keys.Select(k => k.Source).ToArray() },
            new() { Value = rows.Values.ToArray() },
        },
    };

    private static NpgsqlBatchCommand InsertAliases(Dictionary<(string Company, string Alias), string> rows) => new("""
        INSERT INTO revenue.visitor_aliases (company_key, alias_key, visitor_key)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING
        """)
    {
        Parameters =
        {
            new() { Value = rows.Keys.Select(k => k.Company).ToArray() },
            new() { Value = rows.Keys.Select(k => k.Alias).ToArray() },
            new() { Value = rows.Values.ToArray() },
        },
    };

    private static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string? companyKey, CancellationToken ct)
    {
        await using var write = new NpgsqlBatch(connection, tx);
        foreach (var table in new[] { "revenue.interactions", "revenue.visitor_days", "revenue.visitor_orders", "revenue.visitor_aliases" })
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE $1::text IS NULL OR company_key = $1");
            delete.Parameters.Add(new NpgsqlParameter { Value = (object?)companyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            write.BatchCommands.Add(delete);
        }
        await write.ExecuteNonQueryAsync(ct);
    }
}
