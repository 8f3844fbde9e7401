namespace Attribution.Engine.Watchdog;

/// <summary>What the broker says of one of the engine's queues.</summary>
/// <param name="OwnConsumers">
/// Consumers held by this engine's own connection (from the management API); null when only the
/// queue's totals are known.
/// </param>
public sealed record QueueSample(string Queue, uint Messages, uint Consumers, uint? OwnConsumers = null)
{
    /// <summary>
    /// This engine does not consume the queue. Known per engine: the broker lists none of its consumers
    /// there, whether messages wait or another engine consumes them. Known only in total: messages wait
    /// and nobody at all consumes them.
    /// </summary>
    public bool NotConsumedByThisEngine => OwnConsumers is { } own ? own == 0 : Messages > 0 && Consumers == 0;
}

/// <summary>
/// Pure: decides from successive broker samples whether the engine has stopped consuming. A queue this
/// engine does not consume, sample after sample for longer than the limit, is a stall (MassTransit 8.4
/// can fail to reconnect a receive endpoint after a broker restart, and its health check still says
/// Healthy then). An unreachable broker is not a stall: MassTransit retries by itself, and the clock
/// starts again once the broker answers.
/// </summary>
public static class ConsumerStallRule
{
    /// <summary>Since when the current stall has lasted (null: none).</summary>
    public sealed record State(DateTimeOffset? StalledSince)
    {
        public static readonly State Healthy = new((DateTimeOffset?)null);
    }

    /// <returns>The next state, and whether the stall has now lasted longer than <paramref name="limit"/>.</returns>
    public static (State Next, bool Stalled) Observe(State state, IReadOnlyList<QueueSample>? samples, DateTimeOffset now, TimeSpan limit)
    {
        if (samples is null || !samples.Any(s => s.NotConsumedByThisEngine)) return (State.Healthy, false);
        var since = state.StalledSince ?? now;
        return (new State(since), now - since > limit);
    }
}
