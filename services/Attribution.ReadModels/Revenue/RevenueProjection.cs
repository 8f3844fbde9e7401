using Attribution.Contracts.Attribution;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults.Companies;
using Npgsql;
using NpgsqlTypes;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using Attribution.Domain.Companies;
using Attribution.Domain.Rules;
using Attribution.EventStore.StoredEvents;

namespace Attribution.ReadModels.Revenue;

/// <summary>
/// The Revenue Impact read models (asynchronous): company summary and cart GMV by day, products of
/// attributed orders, variants, per-conversation revenue and orders, and the conversations behind
/// revenue per conversation. Each decision revision replaces what the source event contributed
/// before (kept in <c>revenue.applied_contributions</c>), so a revised decision never counts twice.
/// The arithmetic is <see cref="RevenueContributions"/>; this class only loads and stores.
/// </summary>
public sealed partial class RevenueProjection(MartenEventStore store, CompanyDirectory companies) : ITenantProjection
{
    public string Name => ProjectionNames.Revenue;

    /// <summary>
    /// Decisions carry the money; a replay's rule confirmation moves a company's figures onto the
    /// confirmed rule version; interactions name the conversations and their variants.
    /// </summary>
    public IReadOnlyCollection<Type> EventTypes { get; } =
        [typeof(V2.AttributionDecided), typeof(V1.RefundDecided), typeof(V1.RuleVersionConfirmed), typeof(VisitorEvents.V1.VisitorInteractionRecorded)];

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var changes = await FoldAsync(batch, keys => LoadAppliedAsync(batch, keys, ct), ct);
        await RecordConversationsAsync(batch, changes.Conversations, ct);
        if (changes.Applied.Count == 0 && changes.Moves.Count == 0) return;

        // The moves first: the deltas were folded after them, onto the confirmed version where they came before.
        await using var write = new NpgsqlBatch(batch.Connection, batch.Transaction);
        foreach (var move in changes.Moves) RevenueTables.AddRuleVersionMove(write, move);
        RevenueTables.AddDeltas(write, changes.Deltas);
        RevenueTables.AddApplied(write, changes.Applied);
        RevenueTables.AddConversationOrders(write, [.. changes.Applied.Select(a => (a.CompanyKey, a.SourceEventId, a.Contribution.Order))]);
        await write.ExecuteNonQueryAsync(ct); // never empty: a move or an applied contribution is written
    }

    public ITenantRebuild StartTenantRebuild(string tenantId) => new RevenueRebuild(this);

    /// <summary>What a batch changes in the read models, given what its decisions' sources contributed before.</summary>
    private sealed record RevenueChanges(
        IReadOnlyList<ConversationStart> Conversations,
        IReadOnlyList<RuleVersionMove> Moves,
        IReadOnlyList<(string CompanyKey, RollupRow Row)> Deltas,
        IReadOnlyList<AppliedContribution> Applied);

    /// <summary>
    /// The batch's changes; the live path and a rebuild share it and differ only in where the
    /// previous contributions come from (as they count now) and where the changes go. A rule
    /// confirmation in the batch moves the company's rows and contributions onto its version, those
    /// this batch changed before it too, so the changes hold only what stands after the whole batch.
    /// </summary>
    private async Task<RevenueChanges> FoldAsync(
        ProjectionBatch batch,
        Func<IReadOnlyList<(string Company, Guid Source)>, Task<Dictionary<(string Company, Guid Source), AppliedContribution>>> loadApplied,
        CancellationToken ct)
    {
        var conversations = ConversationsOf(batch);
        var decisions = batch.Events.Where(e => e.Data is V2.AttributionDecided or V1.RefundDecided or V1.RuleVersionConfirmed).ToList();
        if (decisions.Count == 0) return new RevenueChanges(conversations, [], [], []);

        var applied = await loadApplied(decisions.Where(e => e.Data is not V1.RuleVersionConfirmed).Select(SourceOf).Distinct().ToList());
        var lineItems = await LoadLineItemsAsync(batch, decisions, ct);
        var deltas = new Dictionary<string, List<RollupRow>>(StringComparer.Ordinal);
        var changed = new HashSet<(string Company, Guid Source)>();
        var moves = new List<RuleVersionMove>();

        foreach (var e in decisions)
        {
            if (e.Data is V1.RuleVersionConfirmed confirmed)
            {
                var move = new RuleVersionMove(confirmed.CompanyKey, confirmed.RuleVersion, e.Sequence);
                moves.Add(move);
                if (deltas.TryGetValue(move.CompanyKey, out var pending))
                    deltas[move.CompanyKey] = [.. RevenueContributions.UnderRuleVersion(pending, move.RuleVersion)];
                foreach (var held in applied.Where(a => a.Key.Company == move.CompanyKey).ToList())
                    applied[held.Key] = held.Value with { Contribution = RevenueContributions.UnderRuleVersion(held.Value.Contribution, move.RuleVersion) };
                continue;
            }

            var key = SourceOf(e);
            var company = await companies.FindByKeyAsync(key.Company, ct);
            var zone = company is null ? NodaTime.DateTimeZone.Utc : CompanyCalendar.ZoneOf(company);
            var next = e.Data switch
            {
                V2.AttributionDecided d => RevenueContributions.Of(d, CompanyCalendar.DayOf(d.OccurredAt, zone),
                    lineItems.GetValueOrDefault((d.CompanyKey, d.SourceEventId)) ?? []),
                V1.RefundDecided r => RevenueContributions.Of(r, CompanyCalendar.DayOf(r.OccurredAt, zone),
                    RuleVersions.Of(company?.AttributionWindowHours ?? 24)),
                _ => throw new InvalidOperationException(e.TypeName),
            };
            if (!deltas.TryGetValue(key.Company, out var rows)) deltas[key.Company] = rows = [];
            rows.AddRange(RevenueContributions.Delta(applied.GetValueOrDefault(key)?.Contribution, next));
            applied[key] = new AppliedContribution(key.Company, key.Source, next, e.Sequence);
            changed.Add(key);
        }

        return new RevenueChanges(
            conversations,
            moves,
            [.. deltas.SelectMany(d => RevenueContributions.Merge(d.Value).Select(row => (d.Key, row)))],
            [.. changed.Select(k => applied[k])]);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        RevenueTables.DeleteAsync(connection, transaction, null, ct);

    public Task ResetTenantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken ct) =>
        RevenueTables.DeleteAsync(connection, transaction, tenantId, ct);

    private static (string Company, Guid Source) SourceOf(StoredEvent e) => e.Data switch
    {
        V2.AttributionDecided d => (d.CompanyKey, d.SourceEventId),
        V1.RefundDecided r => (r.CompanyKey, r.RefundEventId),
        _ => throw new InvalidOperationException(e.TypeName),
    };

    /// <summary>Chat and FAQ conversations with their variant and start (the first interaction seen by occurredAt).</summary>
    private static List<ConversationStart> ConversationsOf(ProjectionBatch batch) =>
        // One row per conversation, as the row-by-row upsert would leave it: the earliest start, the
        // channel of its first interaction, and the first variant reported (a stored one wins).
        batch.Events.Select(e => e.Data).OfType<VisitorEvents.V1.VisitorInteractionRecorded>()
            .Where(i => i.ConversationId is not null && i.Channel is InteractionChannel.CHAT or InteractionChannel.FAQ)
            .GroupBy(i => (i.CompanyKey, ConversationId: i.ConversationId!))
            .Select(g => new ConversationStart(g.Key.CompanyKey, g.Key.ConversationId, g.First().Channel.ToString(),
                g.Select(i => i.Variant).FirstOrDefault(v => v is not null), g.Min(i => i.OccurredAt)))
            .ToList();

    private static async Task RecordConversationsAsync(ProjectionBatch batch, IReadOnlyList<ConversationStart> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var write = new NpgsqlCommand("""
            INSERT INTO revenue.conversations AS c (company_key, conversation_id, channel, variant, started_at)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
            ON CONFLICT (company_key, conversation_id) DO UPDATE
            SET started_at = LEAST(c.started_at, excluded.started_at), variant = COALESCE(c.variant, excluded.variant)
            """, batch.Connection, batch.Transaction);
        write.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.CompanyKey).ToArray() });
        write.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.ConversationId).ToArray() });
        write.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Channel).ToArray() });
        write.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Variant).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        write.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.StartedAt).ToArray() });
        await write.ExecuteNonQueryAsync(ct);
    }

    /// <summary>What the sources contributed, as they count now: moved onto the company's confirmed rule version when applied before it.</summary>
    private static async Task<Dictionary<(string Company, Guid Source), AppliedContribution>> LoadAppliedAsync(
        ProjectionBatch batch, IReadOnlyList<(string Company, Guid Source)> keys, CancellationToken ct)
    {
        var result = new Dictionary<(string, Guid), AppliedContribution>();
        if (keys.Count == 0) return result;
        await using var cmd = new NpgsqlCommand("""
            SELECT a.company_key, a.source_event_id, a.contribution, a.applied_seq, c.rule_version, c.applied_before
            FROM revenue.applied_contributions a
            JOIN unnest($1::text[], $2::uuid[]) AS k(company_key, source_event_id) USING (company_key, source_event_id)
            LEFT JOIN revenue.rule_confirmations c ON c.company_key = a.company_key
            """, batch.Connection, batch.Transaction);
        cmd.Parameters.AddWithValue(keys.Select(k => k.Company).ToArray());
        cmd.Parameters.AddWithValue(keys.Select(k => k.Source).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var contribution = StoredJson.Read<RevenueContribution>(reader, 2);
            var appliedSeq = reader.GetInt64(3);
            if (!reader.IsDBNull(4) && appliedSeq < reader.GetInt64(5))
                contribution = RevenueContributions.UnderRuleVersion(contribution, reader.GetString(4));
            var key = (reader.GetString(0), reader.GetGuid(1));
            result[key] = new AppliedContribution(key.Item1, key.Item2, contribution, appliedSeq);
        }
        return result;
    }

    /// <summary>Line items of the attributed, counted checkouts in the batch, read from their recorded events.</summary>
    private async Task<Dictionary<(string Company, Guid EventId), IReadOnlyList<CheckoutLineItem>>> LoadLineItemsAsync(
        ProjectionBatch batch, IEnumerable<StoredEvent> decisions, CancellationToken ct)
    {
        var keys = decisions.Select(e => e.Data).OfType<V2.AttributionDecided>()
            .Where(d => d is { Kind: RevenueKind.CHECKOUT, Attributed: true, Counted: true })
            .Select(d => (d.CompanyKey, d.SourceEventId)).Distinct().ToList();
        var checkouts = await store.ReadEventsByIdAsync(batch.Connection, batch.Transaction, keys, ct);
        return checkouts.Select(e => e.Data).OfType<VisitorEvents.V1.CheckoutRecorded>()
            .ToDictionary(c => (c.CompanyKey, c.EventId), c => c.LineItems);
    }
}

/// <summary>A conversation as a batch first shows it: its channel, variant and start (<c>revenue.conversations</c>).</summary>
internal sealed record ConversationStart(string CompanyKey, string ConversationId, string Channel, string? Variant, DateTimeOffset StartedAt)
{
    /// <summary>As the upsert keeps a stored row: its channel, the earlier start, the first variant reported.</summary>
    public ConversationStart Merge(ConversationStart later) =>
        this with { StartedAt = StartedAt <= later.StartedAt ? StartedAt : later.StartedAt, Variant = Variant ?? later.Variant };
}
