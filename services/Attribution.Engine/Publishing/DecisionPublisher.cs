using System.Diagnostics;
using Attribution.Contracts.Attribution;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using MassTransit;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.Engine.Publishing;

/// <summary>
/// Tells downstream services about decisions (contract §5): <see cref="RevenueAttributed"/> for a
/// first attribution, <see cref="AttributionRevised"/> when a later revision changes the outcome.
/// It is an asynchronous projection over the decision events, so the event store is the outbox:
/// nothing decided is left unpublished, and a crash between publish and checkpoint only repeats a
/// message, which the deterministic <c>attributionId</c> lets consumers drop.
/// </summary>
public sealed class DecisionPublisher(IBus bus, MartenEventStore store) : IProjection
{
    public string Name => ProjectionNames.AttributionPublisher;

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(V2.AttributionDecided)];

    /// <summary>A rebuild republishes nothing twice in effect: ids are deterministic.</summary>
    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    /// <summary>How long a batch waits for the broker's confirms before the projection retries it.</summary>
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var byDecision = new Dictionary<string, List<Func<Task>>>(StringComparer.Ordinal);
        foreach (var e in batch.Events)
        {
            if (e.Data is not V2.AttributionDecided next) continue;
            var previous = next.Revision == 1 ? null : await PreviousAsync(batch.Connection, e, ct);
            if (!Deciding.Revisions.OutcomeChanged(previous, next)) continue;

            if (!byDecision.TryGetValue(e.StreamId, out var publishes)) byDecision[e.StreamId] = publishes = [];
            publishes.Add(previous is null
                ? () => PublishAsync(e, Attributed(next), next.DecisionId, ct)
                : () => PublishAsync(e, Revised(previous, next), next.DecisionId, ct));
        }

        // Different decisions are published together, confirmed together: awaiting each confirm in
        // turn caps the publisher near 700 messages/s on this machine (platform-notes). One decision's
        // messages stay in order (RevenueAttributed before its AttributionRevised).
        // A confirm pending when the connection drops can wait forever in MassTransit 8.4: bound
        // it, so the batch fails, its checkpoint stays, and it is published again (same ids).
        await Task.WhenAll(byDecision.Values.Select(async publishes =>
        {
            foreach (var publish in publishes) await publish();
        })).WaitAsync(ConfirmTimeout, ct);
    }

    // Each message continues its own decision's trace (the request that led to it), not the trace of
    // the batch's first decision; its span links the batch's.
    private async Task PublishAsync<T>(StoredEvent decision, T message, Guid messageId, CancellationToken ct) where T : class
    {
        using var activity = ActivityContext.TryParse(decision.Metadata.TraceParent, null, out var parent)
            ? EngineTelemetry.Source.StartActivity($"publish {typeof(T).Name}", ActivityKind.Internal, parent,
                links: Activity.Current is { } batch ? [new ActivityLink(batch.Context)] : null)
            : null;
        await bus.Publish(message, ctx => ctx.MessageId = messageId, ct);
    }

    // On the page's connection: its database holds the decision's stream.
    private async Task<V2.AttributionDecided?> PreviousAsync(NpgsqlConnection connection, StoredEvent e, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(connection, e.StreamId, e.Version - 1, ct);
        return events.Count > 0 ? events[0].Data as V2.AttributionDecided : null;
    }

    public static RevenueAttributed Attributed(V2.AttributionDecided d) => new()
    {
        AttributionId = d.DecisionId,
        CompanyKey = d.CompanyKey,
        Kind = d.Kind,
        SourceEventId = d.SourceEventId,
        OrderId = d.OrderId,
        Amount = d.Amount,
        Currency = d.Currency,
        Channel = d.Credited!.Channel,
        ConversationId = d.Credited.ConversationId,
        NudgeId = d.Credited.NudgeId,
        Variant = d.Credited.Variant,
        OccurredAt = d.OccurredAt,
        RuleVersion = d.RuleVersion,
    };

    public static AttributionRevised Revised(V2.AttributionDecided before, V2.AttributionDecided after) => new()
    {
        AttributionId = after.DecisionId,
        CompanyKey = after.CompanyKey,
        Kind = after.Kind,
        SourceEventId = after.SourceEventId,
        OrderId = after.OrderId,
        Amount = after.Amount,
        Currency = after.Currency,
        Revision = after.Revision,
        Before = Snapshot(before),
        After = Snapshot(after),
        OccurredAt = after.OccurredAt,
    };

    private static CreditSnapshot Snapshot(V2.AttributionDecided d) => new(
        d.Attributed && d.Counted, d.Credited?.Channel, d.Credited?.ConversationId, d.Credited?.NudgeId, d.Credited?.Variant, d.RuleVersion);
}
