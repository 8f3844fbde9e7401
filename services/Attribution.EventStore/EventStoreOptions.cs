using Attribution.EventStore.Projections;

namespace Attribution.EventStore;

/// <summary>The engine's side of the store's configuration: stored event names, projections, daemon pacing (Marten's own is in <see cref="MartenConfiguration"/>).</summary>
public sealed class EventStoreOptions
{
    public EventTypeRegistry Events { get; } = new();

    public List<ProjectionRegistration> Projections { get; } = [];

    /// <summary>Events per transaction the daemon hands to an asynchronous projection.</summary>
    public int DaemonBatchSize { get; set; } = 1_000;

    /// <summary>
    /// Events Marten's daemon may load ahead of what a projection has committed (its hopper). At 1, a
    /// page is loaded only once the one before it committed, so pages grow with the backlog.
    /// </summary>
    public int DaemonPagesInFlight { get; set; } = 1;

    /// <summary>
    /// How often the daemon looks for new events, busy or idle (Marten's <c>FastPollingTime</c> and
    /// <c>SlowPollingTime</c>). Appends do not wake it: events gather for up to this long into fewer,
    /// larger pages, where a daemon woken by every append has each projection read and commit a page
    /// per append, which costs more CPU per event than it saves in latency
    /// (docs/decisions/projections-gather-events.md).
    /// </summary>
    public TimeSpan DaemonFastPolling { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a standby engine asks for the daemon's leadership (Marten's <c>LeadershipPollingTime</c>).</summary>
    public TimeSpan LeadershipPolling { get; set; } = TimeSpan.FromSeconds(2);

    public EventStoreOptions AddProjection(IProjection projection, ProjectionLifecycle lifecycle)
    {
        Projections.Add(new ProjectionRegistration(projection, lifecycle));
        return this;
    }
}
