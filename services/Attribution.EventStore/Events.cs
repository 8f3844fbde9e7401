using System.Text.Json;

namespace Attribution.EventStore;

/// <summary>Expected stream version for optimistic concurrency (Marten: <c>Append(id, expectedVersion, …)</c>).</summary>
public readonly record struct ExpectedVersion(long Value)
{
    /// <summary>No check: append whatever the stream's version is.</summary>
    public static readonly ExpectedVersion Any = new(-1);

    /// <summary>The stream must not exist yet.</summary>
    public static readonly ExpectedVersion NoStream = new(0);

    public static ExpectedVersion Exactly(long version) => new(version);
}

/// <summary>What a caller hands to the store. <see cref="Id"/> is the idempotency key.</summary>
public sealed record NewEvent(Guid Id, object Data, EventMetadata? Metadata = null);

/// <summary>Context kept beside each event: who it belongs to and which trace produced it.</summary>
public sealed record EventMetadata
{
    /// <summary>W3C traceparent of the activity that appended the event; projections continue that trace.</summary>
    public string? TraceParent { get; init; }
    public string? CorrelationId { get; init; }
    public string? CausationId { get; init; }
}

/// <summary>Events for one stream inside a (possibly multi-stream) append.</summary>
public sealed record StreamAppend(string StreamId, string TenantId, ExpectedVersion ExpectedVersion, IReadOnlyList<NewEvent> Events);

/// <summary>An event as stored, with its place in its stream and in the global sequence.</summary>
public sealed record StoredEvent(
    long Sequence,
    Guid Id,
    string StreamId,
    long Version,
    string TenantId,
    string TypeName,
    object Data,
    EventMetadata Metadata,
    DateTimeOffset Timestamp);

/// <summary>One appended (or already present) event.</summary>
public sealed record AppendedEvent(Guid Id, string StreamId, long Version, long Sequence, bool WasDuplicate);

public sealed record AppendResult(IReadOnlyList<AppendedEvent> Events)
{
    public int Appended => Events.Count(e => !e.WasDuplicate);
    public int Duplicates => Events.Count(e => e.WasDuplicate);
}

/// <summary>Thrown when a stream's version is not the one the caller expected.</summary>
public sealed class EventStoreConcurrencyException(string streamId, long expected, long actual)
    : Exception($"Stream '{streamId}' is at version {actual}, expected {expected}.")
{
    public string StreamId { get; } = streamId;
    public long ExpectedVersion { get; } = expected;
    public long ActualVersion { get; } = actual;
}

/// <summary>Payload of an event whose type name is no longer registered: kept, never dropped.</summary>
public sealed record UnknownEventData(JsonElement Json);
