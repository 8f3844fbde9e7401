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
/// One of the engine's batch-level projections on Marten's async daemon. Marten finds the events
/// (high-water mark polling, gap detection, HotCold leadership, retries); the
/// projection folds each page with one batched statement per table, in a transaction of its own
/// that also moves its checkpoint (<see cref="ProjectionRunner.ApplyAsync"/>). Marten's built-in
/// projection types write one statement per document, which measured several times slower here.
/// A page that fails is retried here, with backoff, until it succeeds, never handed back to Marten,
/// which would skip it as a poison page or pause the projection for good; the retry reads the page
/// again as stored by then (an erasure may have renamed its streams meanwhile).
/// </summary>
internal sealed class ProjectionSubscription : SubscriptionBase
{
    private readonly IProjection _projection;
    private readonly Func<IMartenDatabase, ProjectionRunner> _runnerFor;
    private readonly HashSet<Type>? _types;
    private readonly ILogger _logger;

    public ProjectionSubscription(IProjection projection, Func<IMartenDatabase, ProjectionRunner> runnerFor, ILogger logger)
    {
        _projection = projection;
        _runnerFor = runnerFor;
        _logger = logger;
        Name = projection.Name;
        _types = projection.EventTypes?.ToHashSet();
        // Marten reads only these types, by their current stored names. Older names that upcast to
        // them predate the move onto Marten: every projection's checkpoint is past those events, and a
        // rebuild reads them through the engine's own reads, which know every stored name.
        foreach (var type in _types ?? []) IncludeType(type);
    }

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredEvent> events = page.Events
            .Where(e => _types is null || _types.Contains(e.Data.GetType()))
            .Select(ToStored)
            .ToList();
        // The same subscription runs every database's pages, possibly at once: each page goes to its own database.
        var runner = _runnerFor(operations.Database);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                await runner.ApplyAsync(_projection, events, page.SequenceCeiling, cancellationToken);
                if (_logger.IsEnabled(LogLevel.Debug))
                    _logger.LogDebug("Projection {Projection} applied {Count} events ({Floor}-{Ceiling}) in {Database} in {Elapsed:F1} ms",
                        _projection.Name, events.Count, page.SequenceFloor, page.SequenceCeiling, operations.Database.Id.Identity,
                        Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return NoChanges.Instance;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Projection {Projection} failed on events {Floor}-{Ceiling} (attempt {Attempt}); retrying",
                    _projection.Name, page.SequenceFloor, page.SequenceCeiling, attempt);
                await Task.Delay(Backoff(attempt), cancellationToken);
                events = await runner.ReadPageAsync(_projection, page.SequenceFloor, page.SequenceCeiling, cancellationToken);
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
