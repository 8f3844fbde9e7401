using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>When a projection runs.</summary>
public enum ProjectionLifecycle
{
    /// <summary>In the append transaction: consistent with the events, slows appends.</summary>
    Inline,

    /// <summary>By Marten's async daemon after commit (a subscription), with the projection's own checkpoint.</summary>
    Async,
}

/// <summary>Events handed to a projection, with the transaction its writes must join.</summary>
public sealed record ProjectionBatch(NpgsqlConnection Connection, NpgsqlTransaction Transaction, IReadOnlyList<StoredEvent> Events);

/// <summary>
/// A batch-level projection: a whole page of events at once, so it can load and write the rows the
/// page touches with one statement per table (Marten's projection types write per document).
/// Implementations keep the fold itself pure (see <see cref="DocumentProjection{TDoc}"/>) and do
/// only load/store here, inside the given transaction, so the checkpoint and the read model commit
/// together: an event is applied exactly once even across restarts.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the checkpoint key.</summary>
    string Name { get; }

    /// <summary>
    /// The event types the projection folds, or null for all. Marten's daemon then reads and
    /// deserializes only those (<c>IncludeType&lt;T&gt;</c>), and the checkpoint moves past the others.
    /// </summary>
    IReadOnlyCollection<Type>? EventTypes => null;

    /// <summary>
    /// The daemon subscription that reads the projection's pages. Projections that fold the same
    /// events share one, so Marten reads each page once for all of them; each still applies it with
    /// its own checkpoint.
    /// </summary>
    string Subscription => ProjectionNames.SubscriptionOf(Name);

    Task ApplyAsync(ProjectionBatch batch, CancellationToken ct);

    /// <summary>Deletes everything this projection wrote, before a rebuild.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}

/// <summary>
/// A projection whose rows belong to one tenant each, so one company's read models can be rebuilt
/// (a replay) while the others stay as they are.
/// </summary>
public interface ITenantProjection : IProjection
{
    /// <summary>Deletes everything this projection wrote for the tenant, before its rebuild.</summary>
    Task ResetTenantAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken ct);

    /// <summary>
    /// A fold of the tenant's whole history in memory for its rebuild, or null to rebuild through
    /// <see cref="IProjection.ApplyAsync"/> batch by batch.
    /// </summary>
    ITenantRebuild? StartTenantRebuild(string tenantId) => null;
}

/// <summary>
/// One tenant's rebuild folded in memory and written once at the end, into tables its projection's
/// <see cref="ITenantProjection.ResetTenantAsync"/> emptied in the same transaction. The live path
/// loads and upserts the rows a batch touches, batch after batch; a rebuild touches the same rows
/// again and again (a replay spent most of its rebuild time there), and holds them all at the end anyway.
/// </summary>
public interface ITenantRebuild
{
    /// <summary>Folds the next batch (the rebuild reads in global order); may read, never writes.</summary>
    Task ApplyAsync(ProjectionBatch batch, CancellationToken ct);

    /// <summary>Writes the folded result.</summary>
    Task CompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct);
}

public sealed record ProjectionRegistration(IProjection Projection, ProjectionLifecycle Lifecycle);

/// <summary>An asynchronous projection resolved from the container (see <c>AddAsyncProjection</c>).</summary>
public sealed record AsyncProjectionRegistration(Type ProjectionType);
