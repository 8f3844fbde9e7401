using Attribution.EventStore.Projections;

namespace Attribution.EventStore;

/// <summary>Configuration of the store, in the spirit of Marten's <c>StoreOptions</c>.</summary>
public sealed class EventStoreOptions
{
    public EventTypeRegistry Events { get; } = new();

    public List<ProjectionRegistration> Projections { get; } = [];

    /// <summary>Events per transaction the daemon hands to an asynchronous projection.</summary>
    public int DaemonBatchSize { get; set; } = 1_000;

    /// <summary>How long the daemon sleeps when idle and no append notification arrives.</summary>
    public TimeSpan DaemonIdlePoll { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After a batch that was not full (the projection caught up), how long it lets events gather before
    /// reading again. Under a steady stream each projection otherwise runs a transaction for every few
    /// events; Marten's daemon polls every 250 ms for the same reason. The first event after a quiet
    /// spell is still read at once.
    /// </summary>
    public TimeSpan DaemonCoalesceDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    public EventStoreOptions AddProjection(IProjection projection, ProjectionLifecycle lifecycle)
    {
        Projections.Add(new ProjectionRegistration(projection, lifecycle));
        return this;
    }
}
