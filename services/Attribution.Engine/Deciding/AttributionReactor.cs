using System.Diagnostics.Metrics;
using Attribution.Contracts.Ingestion;
using Attribution.Domain.Companies;
using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Attribution.EventStore.Projections;
using Attribution.ServiceDefaults.Companies;
using Npgsql;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Rules;
using Attribution.Domain.Visitors;
using Attribution.EventStore.StoredEvents;
using Attribution.ReadModels.LatestDecisions;

namespace Attribution.Engine.Deciding;

/// <summary>
/// Decides attribution as events are recorded. It runs as an asynchronous projection over the
/// event store, so it sees each visitor's events in commit order, one batch at a time, and several
/// engine instances take turns on its checkpoint: per-visitor ordering holds without partitioning.
///
/// For every visitor a batch touches (and every visitor an FAQ exchange or a repeated orderId
/// links to), it re-decides all of that visitor's cart and checkout events from the full journey
/// (judged by occurredAt, so late interactions count) and appends a new revision wherever the
/// outcome changed. Re-running it, or replaying from sequence 0, appends nothing new.
/// </summary>
public sealed class AttributionReactor(
    MartenEventStore store, IEventStore appends, CompanyDirectory companies) : IProjection
{
    private static readonly string[] AttributableTypes = [StoredNames.CartEventRecorded, StoredNames.CheckoutRecorded];
    private static readonly string[] CheckoutTypes = [StoredNames.CheckoutRecorded];

    private static readonly Counter<long> Decisions = EngineTelemetry.Meter.CreateCounter<long>("attribution.decisions", "{decision}",
        "Decisions stored (first decisions and revisions of cart and checkout events), by outcome");

    public string Name => ProjectionNames.AttributionDecisions;

    /// <summary>What a visitor does; not the decisions this reactor appends itself.</summary>
    private static readonly HashSet<Type> VisitorEventTypes =
        [typeof(V1.CartEventRecorded), typeof(V1.CheckoutRecorded), typeof(V1.VisitorInteractionRecorded), typeof(V1.OrderRefundRecorded)];

    public IReadOnlyCollection<Type> EventTypes => VisitorEventTypes;

    /// <summary>Decisions are events, not a read model: a rebuild re-decides and appends only what changed.</summary>
    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var traces = new DecisionTraces(batch.Events);
        foreach (var company in batch.Events.Where(IsVisitorEvent).GroupBy(e => e.TenantId))
            await DecideCompanyAsync(batch.Transaction, company.Key, company.ToList(), traces, ct);
    }

    /// <summary>
    /// Re-decides every visitor of a company under the current settings (a replay). A decision that
    /// differs only in the rule version's name gets no revision of its own: one
    /// <see cref="DecisionEvents.V1.RuleVersionConfirmed"/> at the end confirms all of them, so a window
    /// change writes only the decisions it changes. Answers the number of revisions written.
    /// </summary>
    public async Task<int> ReplayCompanyAsync(CompanyDatabase database, string companyKey, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        var settings = await companies.FindByKeyAsync(companyKey, ct, bypassCache: true)
            ?? throw new InvalidOperationException($"There is no company {companyKey}.");

        // The latest decisions first, with the sequence they are complete up to; the visitors after, so
        // that every decision the confirmation covers belongs to a stream this replay re-decides. They
        // and which copy of each order counts are read once for the company (a third of the replay's
        // time went into per-pass look-ups of them on 300k events), side by side on a connection each,
        // and only the fields the passes compare: PostgreSQL picks them out of each document and event,
        // where deserializing whole ones was most of a replay's set-up.
        var latestDecisions = DecisionReader.StandingOfCompanyAsync(connection, companyKey, ct);
        var countedCheckouts = CountedCheckoutsOfCompanyAsync(database, companyKey, ct);
        await Task.WhenAll(latestDecisions, countedCheckouts);
        var (latest, throughSequence) = await latestDecisions;
        var company = new CompanyLookups(settings, await countedCheckouts, latest);

        await using var cmd = new NpgsqlCommand(
            "SELECT id FROM event_store.mt_streams WHERE tenant_id = $1 AND id LIKE 'visitor:%' ORDER BY id", connection);
        cmd.Parameters.AddWithValue(companyKey);
        var streams = new List<string>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) streams.Add(reader.GetString(0));

        // A thousand visitors per pass: fewer round trips than 200 (about a third faster on this
        // machine), while 5,000 was slower again (larger plans and arrays). Two passes at a time, on a
        // connection each: while one decides (this process's CPU) the other appends (the database's),
        // and their appends share group commits. Passes hold disjoint visitors, and each appends its
        // checkouts' decisions before deciding their refunds, as one pass alone did.
        var appended = 0;
        await Parallel.ForEachAsync(streams.Chunk(1_000), new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = ct },
            async (chunk, token) =>
            {
                await using var own = await database.DataSource.OpenConnectionAsync(token);
                Interlocked.Add(ref appended, await DecideStreamsAsync(own, null, companyKey, [.. chunk], token, company));
            });

        await ConfirmRuleVersionAsync(settings, throughSequence, ct);
        return appended;
    }

    /// <summary>
    /// Confirms the replay's rule version for every decision stored up to <paramref name="throughSequence"/>
    /// that it did not revise. Not when the settings changed while it ran: its decisions would then stand
    /// under settings that are no longer the company's, and the next replay confirms instead.
    /// </summary>
    private async Task ConfirmRuleVersionAsync(Company replayed, long throughSequence, CancellationToken ct)
    {
        var now = await companies.FindByKeyAsync(replayed.CompanyKey, ct, bypassCache: true);
        if (now is null || now.AttributionWindowHours != replayed.AttributionWindowHours || now.QuantityMode != replayed.QuantityMode) return;
        var rules = new RuleSettings(replayed.AttributionWindowHours);
        var confirmation = new DecisionEvents.V1.RuleVersionConfirmed(
            Guid.CreateVersion7(), replayed.CompanyKey, rules.RuleVersion, rules.WindowHours, throughSequence, DateTimeOffset.UtcNow);
        await appends.AppendAsync(
            [new StreamAppend(DecisionEvents.RulesStreamId(replayed.CompanyKey), replayed.CompanyKey, ExpectedVersion.Any, [new NewEvent(confirmation.ConfirmationId, confirmation)])],
            ct);
    }

    // The daemon already hands over only these types; a batch built by hand (a test) may hold others.
    private static bool IsVisitorEvent(StoredEvent e) => VisitorEventTypes.Contains(e.Data.GetType());

    private async Task DecideCompanyAsync(NpgsqlTransaction tx, string companyKey, List<StoredEvent> events, DecisionTraces traces, CancellationToken ct)
    {
        var connection = tx.Connection!;
        var streams = events.Select(e => e.StreamId).ToHashSet(StringComparer.Ordinal);

        // An FAQ exchange belongs to every visitor whose cart or checkout carried that FAQ fingerprint.
        var faqFingerprints = events.Select(e => e.Data).OfType<V1.VisitorInteractionRecorded>()
            .Where(i => i.Channel == InteractionChannel.FAQ && i.UserFaqFingerprint is not null)
            .Select(i => i.UserFaqFingerprint!).Distinct().ToList();
        if (faqFingerprints.Count > 0)
            foreach (var e in await store.QueryByDataFieldAsync(connection, companyKey, AttributableTypes, "userFaqFingerprint", faqFingerprints, ct))
                streams.Add(e.StreamId);

        // A repeated orderId can change which copy of an order counts: re-decide every visitor holding one.
        var orderIds = events.Select(e => e.Data).OfType<V1.CheckoutRecorded>().Where(o => o.OrderId is not null).Select(o => o.OrderId!).Distinct().ToList();
        if (orderIds.Count > 0)
            foreach (var e in await store.QueryByDataFieldAsync(connection, companyKey, CheckoutTypes, "orderId", orderIds, ct))
                streams.Add(e.StreamId);

        await DecideStreamsAsync(connection, tx, companyKey, streams.Where(s => s.StartsWith("visitor:", StringComparison.Ordinal)).ToList(), ct, traces: traces);

        // New refunds (their orders' checkouts were re-decided above when they changed too).
        var refundOrders = events.Select(e => e.Data).OfType<V1.OrderRefundRecorded>().Select(r => r.OrderId).Distinct().ToList();
        await DecideRefundsAsync(connection, tx, companyKey, refundOrders, traces, ct);
    }

    /// <summary>
    /// A replay's company-wide lookups, and the settings it decides under from start to end; the live path
    /// queries them per batch instead.
    /// </summary>
    private sealed record CompanyLookups(
        Company Company, Dictionary<string, OrderCopies> CountedCheckouts, Dictionary<Guid, DecisionStanding> LatestDecisions);

    /// <summary>
    /// Which copy of an order counts, and the fingerprints of the first copy that carried any: a
    /// counted copy without fingerprints (a verified copy from a server that does not know the visitor)
    /// is judged on that visitor's journey, so the order still joins the chat the browser saw.
    /// </summary>
    private sealed record OrderCopies(Guid Counted, string CountedStream, bool CountedWithoutFingerprint, string? UserFingerprint, string? UserFaqFingerprint)
    {
        public bool Lends => UserFingerprint is not null || UserFaqFingerprint is not null;
    }

    /// <param name="tx">The projection's transaction to append in (the live path), or null to append through group commits (a replay).</param>
    private async Task<int> DecideStreamsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string companyKey, List<string> streamIds, CancellationToken ct,
        CompanyLookups? lookups = null, DecisionTraces? traces = null)
    {
        if (streamIds.Count == 0) return 0;
        traces ??= DecisionTraces.None;
        var company = lookups?.Company ?? await companies.FindByKeyAsync(companyKey, ct)
            ?? throw new InvalidOperationException($"Events of unknown company {companyKey}.");
        var settings = new RuleSettings(company.AttributionWindowHours);

        var visitorEvents = (await store.ReadStreamsAsync(connection, streamIds, ct)).ToList();
        var attributable = visitorEvents.GroupBy(e => e.StreamId)
            .ToDictionary(g => g.Key, g => VisitorJourney.Attributable(g.Select(e => (e.Sequence, e.Data)), company.QuantityMode));
        var counted = lookups?.CountedCheckouts ?? await CountedCheckoutsAsync(connection, companyKey, attributable.Values.SelectMany(a => a), ct);

        // Each event as judged, with the stream whose interactions make its journey: its own, or, for a counted
        // copy judged on another visitor's journey, that visitor's (read too, with its FAQ exchanges, when not loaded).
        var judged = attributable.SelectMany(a => a.Value.Select(recorded => Lent(recorded, counted) is { } lent
                ? (Judged: lent, JourneyStream: VisitorKey.StreamId(companyKey, VisitorKey.Of(lent.UserFingerprint, lent.UserFaqFingerprint)))
                : (Judged: recorded, JourneyStream: a.Key)))
            .ToList();
        var lent = judged.Select(j => j.JourneyStream).Where(s => !attributable.ContainsKey(s)).Distinct(StringComparer.Ordinal).ToList();
        if (lent.Count > 0) visitorEvents.AddRange(await store.ReadStreamsAsync(connection, lent, ct));
        var interactions = visitorEvents.GroupBy(e => e.StreamId)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Data).OfType<V1.VisitorInteractionRecorded>().Select(VisitorJourney.Fact).ToList(), StringComparer.Ordinal);

        // The FAQ streams the attributable events point to: their exchanges are part of the journey.
        // Some may be among the streams just loaded (an FAQ exchange in the same batch), the rest are read now.
        var faqStreams = judged.Select(j => j.Judged.UserFaqFingerprint)
            .Where(fp => fp is not null)
            .Select(fp => VisitorKey.StreamId(companyKey, VisitorKey.Of(null, fp)))
            .ToHashSet(StringComparer.Ordinal);
        var notLoaded = faqStreams.Where(s => !interactions.ContainsKey(s)).ToList();
        var faqInteractions = visitorEvents.Where(e => faqStreams.Contains(e.StreamId))
            .Concat(await store.ReadStreamsAsync(connection, notLoaded, ct))
            .Select(e => e.Data).OfType<V1.VisitorInteractionRecorded>()
            .Where(i => i.Channel == InteractionChannel.FAQ && i.UserFaqFingerprint is not null)
            .GroupBy(i => i.UserFaqFingerprint!)
            .ToDictionary(g => g.Key, g => g.Select(VisitorJourney.Fact).ToList(), StringComparer.Ordinal);

        var current = lookups?.LatestDecisions
            ?? (await DecisionReader.LatestAsync(connection, companyKey, attributable.Values.SelectMany(a => a.Select(e => e.EventId)).ToList(), ct))
                .ToDictionary(d => d.Key, d => DecisionStanding.Of(d.Value));

        var ownTraces = visitorEvents.Where(v => v.Metadata.TraceParent is not null).DistinctBy(v => v.Sequence).ToDictionary(v => v.Sequence, v => v.Metadata.TraceParent!);
        var appends = new List<StreamAppend>();
        var decided = new List<DecisionEvents.V2.AttributionDecided>();
        foreach (var (e, journeyStream) in judged)
        {
            var own = interactions.GetValueOrDefault(journeyStream) ?? [];
            // A visitor known only by its FAQ fingerprint already holds its FAQ exchanges: count each once.
            var journey = e.UserFaqFingerprint is not null && faqInteractions.TryGetValue(e.UserFaqFingerprint, out var faq)
                ? own.Concat(faq).DistinctBy(i => i.EventId).ToList()
                : own;
            var decision = AttributionRules.Decide(journey, e.EventId, e.OccurredAt, settings);
            var (isCounted, countingReasons) = OrderCounting.Of(e, e.OrderId is null ? null : counted.GetValueOrDefault(e.OrderId)?.Counted);
            var previous = current.GetValueOrDefault(e.EventId);
            var next = Revisions.Next(companyKey, e, decision, isCounted, countingReasons, previous, confirmsRuleVersion: lookups is not null);
            if (next is null) continue;
            appends.Add(new StreamAppend(DecisionEvents.StreamId(companyKey, e.EventId), companyKey,
                ExpectedVersion.Exactly(previous?.Revision ?? 0),
                [new NewEvent(next.DecisionId, next, traces.Of(e.Sequence, journeyStream, first: previous is null, own: ownTraces.GetValueOrDefault(e.Sequence)))]));
            decided.Add(next);
        }

        if (appends.Count > 0)
        {
            await AppendAsync(tx, appends, ct);
            foreach (var d in decided) CountDecision(d);
        }

        // A counted copy judged on the journey of a visitor decided here follows that journey (a replay decides every stream anyway).
        var borrowers = lookups is not null ? [] : counted.Values
            .Where(c => c.Lends && c.CountedWithoutFingerprint && !attributable.ContainsKey(c.CountedStream))
            .Select(c => c.CountedStream).Distinct(StringComparer.Ordinal).ToList();
        var borrowed = borrowers.Count > 0 ? await DecideStreamsAsync(connection, tx, companyKey, borrowers, ct, traces: traces) : 0;

        // A checkout's credit decides where its refunds subtract: follow any change.
        var orders = attributable.Values.SelectMany(a => a).Where(e => e.OrderId is not null).Select(e => e.OrderId!).Distinct().ToList();
        return appends.Count + borrowed + await DecideRefundsAsync(connection, tx, companyKey, orders, traces, ct, confirmsRuleVersion: lookups is not null);
    }

    /// <summary>
    /// Live, in the projection's transaction: the decisions commit with the checkpoint that passes their
    /// events, and skip the group-commit queue the recording consumer fills. A replay appends through it,
    /// to the company's database.
    /// </summary>
    private Task<AppendResult> AppendAsync(NpgsqlTransaction? tx, IReadOnlyList<StreamAppend> decisions, CancellationToken ct) =>
        tx is null ? appends.AppendAsync(decisions, ct) : store.AppendInTransactionAsync(tx, decisions, ct);

    // Counted once stored: an append that fails is decided again, and counted then.
    private static void CountDecision(DecisionEvents.V2.AttributionDecided decision) =>
        Decisions.Add(1, new KeyValuePair<string, object?>("outcome", decision.Attributed ? "attributed" : "not_attributed"));

    private async Task<int> DecideRefundsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? tx, string companyKey, List<string> orderIds, DecisionTraces traces, CancellationToken ct,
        bool confirmsRuleVersion = false)
    {
        if (orderIds.Count == 0) return 0;
        var refundEvents = await store.ReadStreamsAsync(connection, orderIds.Select(o => $"order:{companyKey}:{o}").ToList(), ct);
        var refunds = refundEvents.Where(e => e.Data is V1.OrderRefundRecorded).ToList();
        if (refunds.Count == 0) return 0;

        var orders = await DecisionReader.CountedOrdersAsync(connection, companyKey, orderIds, ct);
        var current = await DecisionReader.LatestRefundsAsync(connection, companyKey, refunds.Select(e => e.Id).ToList(), ct);
        var appends = new List<StreamAppend>();
        foreach (var order in refunds.GroupBy(e => ((V1.OrderRefundRecorded)e.Data).OrderId))
        {
            var decision = orders.GetValueOrDefault(order.Key);
            var counted = decision is null ? null : new RefundRules.CountedOrder(decision.Amount, decision.Currency);
            var byId = order.ToDictionary(e => e.Id, e => (V1.OrderRefundRecorded)e.Data);
            var sequences = order.ToDictionary(e => e.Id, e => e.Sequence);
            var applications = RefundRules.Apply(counted, order.Select(e =>
            {
                var r = (V1.OrderRefundRecorded)e.Data;
                return new RefundRules.Refund(r.EventId, e.Sequence, r.RefundId, r.Amount, r.Currency);
            }));
            foreach (var application in applications)
            {
                var previous = current.GetValueOrDefault(application.EventId);
                var next = Revisions.NextRefund(companyKey, byId[application.EventId], application, decision, previous, confirmsRuleVersion);
                if (next is null) continue;
                appends.Add(new StreamAppend(DecisionEvents.StreamId(companyKey, application.EventId), companyKey,
                    ExpectedVersion.Exactly(previous?.Revision ?? 0), [new NewEvent(next.DecisionId, next, traces.Of(sequences[application.EventId], null))]));
            }
        }
        if (appends.Count > 0) await AppendAsync(tx, appends, ct);
        return appends.Count;
    }

    private async Task<Dictionary<string, OrderCopies>> CountedCheckoutsAsync(
        NpgsqlConnection connection, string companyKey, IEnumerable<AttributableEvent> events, CancellationToken ct)
    {
        var orderIds = events.Where(e => e.OrderId is not null).Select(e => e.OrderId!).Distinct().ToList();
        if (orderIds.Count == 0) return [];
        var checkouts = await store.QueryByDataFieldAsync(connection, companyKey, CheckoutTypes, "orderId", orderIds, ct);
        return CountedCheckouts(checkouts.Select(e => CheckoutCopy.Of(e.Sequence, e.StreamId, (V1.CheckoutRecorded)e.Data)));
    }

    /// <summary>
    /// Every checkout of a company, as far as counting copies needs it, picked out of each event by
    /// PostgreSQL rather than deserialized whole (line items and all). The fields are
    /// <see cref="V1.CheckoutRecorded"/>'s, its stored name's only shape (a unit test holds that no older
    /// name is upcast to it).
    /// </summary>
    private static async Task<Dictionary<string, OrderCopies>> CountedCheckoutsOfCompanyAsync(CompanyDatabase database, string companyKey, CancellationToken ct)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT seq_id, stream_id, (data->>'eventId')::uuid, data->>'orderId', data->>'userFingerprint', data->>'userFaqFingerprint',
                   coalesce((data->>'test')::boolean, false), data->>'source'
            FROM event_store.mt_events WHERE tenant_id = $1 AND type = $2 AND data->>'orderId' IS NOT NULL ORDER BY seq_id
            """, connection);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(StoredNames.CheckoutRecorded);
        var copies = new List<CheckoutCopy>();
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                copies.Add(new CheckoutCopy(reader.GetInt64(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetBoolean(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        return CountedCheckouts(copies);
    }

    /// <summary>A stored checkout, as far as telling which copy of its order counts needs it.</summary>
    private sealed record CheckoutCopy(
        long Sequence, string StreamId, Guid EventId, string? OrderId, string? UserFingerprint, string? UserFaqFingerprint, bool Test, string? Source)
    {
        public static CheckoutCopy Of(long sequence, string streamId, V1.CheckoutRecorded c) =>
            new(sequence, streamId, c.EventId, c.OrderId, c.UserFingerprint, c.UserFaqFingerprint, c.Test, c.Source);

        public bool HasFingerprint => UserFingerprint is not null || UserFaqFingerprint is not null;
    }

    /// <summary>The checkout that counts for each orderId among the given checkouts (all copies of each order), and the visitor they name.</summary>
    private static Dictionary<string, OrderCopies> CountedCheckouts(IEnumerable<CheckoutCopy> checkouts) =>
        checkouts
            .Where(c => c.OrderId is not null)
            .GroupBy(c => c.OrderId!, StringComparer.Ordinal)
            .Select(g =>
            {
                var copies = g.OrderBy(c => c.Sequence).ToList();
                var counted = OrderCounting.CountedOf(copies.Select(c => new OrderCounting.Checkout(
                    c.EventId, c.Sequence, c.HasFingerprint, c.Test, CheckoutSources.IsVerified(c.Source))));
                var visitor = copies.FirstOrDefault(c => !c.Test && c.HasFingerprint);
                if (counted is null) return (OrderId: g.Key, Copies: null);
                var countedCopy = copies.First(c => c.EventId == counted.Value);
                return (OrderId: g.Key, Copies: (OrderCopies?)new OrderCopies(counted.Value, countedCopy.StreamId,
                    !countedCopy.HasFingerprint, visitor?.UserFingerprint, visitor?.UserFaqFingerprint));
            })
            .Where(x => x.Copies is not null)
            .ToDictionary(x => x.OrderId, x => x.Copies!, StringComparer.Ordinal);

    /// <summary>
    /// The counted copy of an order that carries no fingerprint, as judged on the journey of the visitor
    /// another copy of the order names; null for any other event.
    /// </summary>
    private static AttributableEvent? Lent(AttributableEvent e, Dictionary<string, OrderCopies> orders) =>
        e is { OrderId: { } orderId, UserFingerprint: null, UserFaqFingerprint: null }
        && orders.TryGetValue(orderId, out var copies) && copies.Counted == e.EventId && copies.Lends
            ? e with { UserFingerprint = copies.UserFingerprint, UserFaqFingerprint = copies.UserFaqFingerprint }
            : null;
}
