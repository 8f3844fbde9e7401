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

    public EventStoreOptions AddProjection(IProjection projection, ProjectionLifecycle lifecycle)
    {
        Projections.Add(new ProjectionRegistration(projection, lifecycle));
        return this;
    }
}
