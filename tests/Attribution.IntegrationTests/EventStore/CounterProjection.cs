using Attribution.EventStore;
using Attribution.EventStore.Projections;

namespace Attribution.IntegrationTests.EventStore;

public static class CounterEvents
{
    public static EventTypeRegistry Register(EventTypeRegistry r) => r.Register<V1.Incremented>("test_incremented.v1");

    public static class V1
    {
        public sealed record Incremented(decimal By);
    }
}

public sealed record Counter(string Id, int Events, decimal Total, long LastVersion);

/// <summary>A projection over the streams of one test only (by stream-id prefix), counting and summing.</summary>
public sealed class CounterProjection(string streamPrefix) : DocumentProjection<Counter>
{
    public override string Name { get; } = "counter_" + streamPrefix;

    public override string? IdentityOf(StoredEvent e) => e.StreamId.StartsWith(streamPrefix, StringComparison.Ordinal) ? e.StreamId : null;

    public override Counter Create(string id, StoredEvent first) => new(id, 0, 0, 0);

    public override Counter Apply(Counter c, StoredEvent e) => e.Data is CounterEvents.V1.Incremented i
        ? c with { Events = c.Events + 1, Total = c.Total + i.By, LastVersion = e.Version }
        : c;
}
