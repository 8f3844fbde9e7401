using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;
using Marten.Subscriptions;
using Marten.Storage;
using Microsoft.Extensions.Logging;

namespace Attribution.EventStore.Projections;

/// <summary>
/// One subscription of Marten's async daemon, carrying one or more of the engine's batch-level
/// projections. Marten finds the events (high-water mark polling, gap detection, HotCold
/// leadership, retries) and reads each page once; every projection of the subscription folds its
/// own events of the page with one batched statement per table, in a transaction of its own that
/// also moves its own checkpoint (<see cref="ProjectionRunner.ApplyAsync"/>), side by side with the
/// others. Projections that fold the same events share a subscription
/// (<see cref="IProjection.Subscription"/>), so those events are read and deserialized once
/// instead of once per projection. Marten's built-in projection types write one statement per
/// document, which measured several times slower here.
/// A page that fails is retried here, for the projection that failed, with backoff, until it
/// succeeds, never handed back to Marten, which would skip it as a poison page or pause the
/// subscription for good; the retry reads the page again as stored by then (an erasure may have
/// renamed its streams meanwhile). A projection whose checkpoint has passed the page skips it.
/// </summary>
internal sealed class ProjectionSubscription : SubscriptionBase
{
    private sealed record Member(IProjection Projection, HashSet<Type>? Types)
    {
        public bool Takes(StoredEvent e) => Types is null || Types.Contains(e.Data.GetType());
    }

    private readonly IReadOnlyList<Member> _members;
    private readonly Func<IMartenDatabase, ProjectionRunner> _runnerFor;
    private readonly ILogger _logger;

    public ProjectionSubscription(string name, IReadOnlyList<IProjection> projections, Func<IMartenDatabase, ProjectionRunner> runnerFor, ILogger logger)
    {
        _members = projections.Select(p => new Member(p, p.EventTypes?.ToHashSet())).ToList();
        _runnerFor = runnerFor;
        _logger = logger;
        Name = name;
        // Marten reads only the types some member folds, by their current stored names (all of them
        // when a member folds every type). Older names that upcast to them predate the move onto
        // Marten: every projection's checkpoint is past those events, and a rebuild reads them
        // through the engine's own reads, which know every stored name.
        if (_members.All(m => m.Types is not null))
            foreach (var type in _members.SelectMany(m => m.Types!).Distinct()) IncludeType(type);
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var events = page.Events.Select(ToStored).ToList();
        // The same subscription runs every database's pages, possibly at once: each page goes to its own database.
        var runner = _runnerFor(operations.Database);
        var database = operations.Database.Id.Identity;
        await Task.WhenAll(_members.Select(m => ApplyAsync(m, runner, database, page, [.. events.Where(m.Takes)], cancellationToken)));
        return NoChanges.Instance;
    }

    private async Task ApplyAsync(Member member, ProjectionRunner runner, string database, EventRange page, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var projection = member.Projection;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                await runner.ApplyAsync(projection, events, page.SequenceCeiling, cancellationToken);
                if (_logger.IsEnabled(LogLevel.Debug))
                    _logger.LogDebug("Projection {Projection} applied {Count} events ({Floor}-{Ceiling}) in {Database} in {Elapsed:F1} ms",
                        projection.Name, events.Count, page.SequenceFloor, page.SequenceCeiling, database,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Projection {Projection} failed on events {Floor}-{Ceiling} (attempt {Attempt}); retrying",
                    projection.Name, page.SequenceFloor, page.SequenceCeiling, attempt);
                await Task.Delay(Backoff(attempt), cancellationToken);
                events = await runner.ReadPageAsync(projection, page.SequenceFloor, page.SequenceCeiling, cancellationToken);
            }
        }
    }

    /// <summary>0.2 s, doubling, at most 10 s: a database restart is ridden out without hammering it.</summary>
    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, Math.Min(attempt, 7))));

    internal static StoredEvent ToStored(IEvent e) => new(
        e.Sequence, e.Id, e.StreamKey!, e.Version, e.TenantId, e.EventTypeName, e.Data,
        new EventMetadata
        {
            TraceParent = e.Headers?.GetValueOrDefault(EventHeaders.TraceParent)?.ToString(),
            CorrelationId = e.CorrelationId,
            CausationId = e.CausationId,
        },
        e.Timestamp);

    private sealed class NoChanges : IChangeListener
    {
        public static readonly NoChanges Instance = new();

        public Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;

        public Task BeforeCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token) => Task.CompletedTask;
    }
}

/// <summary>Header names the store keeps beside an event (Marten's <c>headers</c> column).</summary>
public static class EventHeaders
{
    /// <summary>W3C traceparent of the activity that appended the event; projections continue that trace.</summary>
    public const string TraceParent = "traceparent";
}
