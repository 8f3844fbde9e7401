using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Attribution.EventStore.Projections;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;
using JasperFx.MultiTenancy;
using Marten.Storage;
using Weasel.Core;

namespace Attribution.EventStore;

/// <summary>
/// How the engine's events live in Marten: one stream per visitor (string keys), the company as
/// the conjoined tenant, quick append, the stored names and upcasts of <see cref="EventTypeRegistry"/>,
/// and the async daemon's coordination (HotCold leadership, its polling of the high-water mark).
/// </summary>
public static class MartenConfiguration
{
    /// <summary>Marten's tables (mt_events, mt_streams, mt_event_progression) live here.</summary>
    public const string Schema = "event_store";

    /// <summary>Marten's daemon lock id: its projections each run on the one engine holding their advisory lock.</summary>
    public const int DaemonLockId = 7_246_010;

    /// <summary>Indexes the engine adds to mt_events for its batch reads.</summary>
    public static readonly string[] EngineIndexes =
        ["mt_events_tenant_event_id", "mt_events_stream_seq", "mt_events_tenant_seq", "mt_events_faq_fingerprint", "mt_events_order_id"];

    public static StoreOptions Configure(StoreOptions opts, EventStoreOptions options)
    {
        opts.DatabaseSchemaName = Schema;
        opts.Events.DatabaseSchemaName = Schema;
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.TenancyStyle = TenancyStyle.Conjoined;
        opts.Events.AppendMode = EventAppendMode.Quick;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        // The daemon polls (see EventStoreOptions.DaemonFastPolling); appends send no NOTIFY.
        opts.Events.UseListenNotifyForEventAppends = false;

        // The same JSON as every other stored document of the engine (camelCase, enums as names).
        opts.UseSystemTextJsonForSerialization(EventTypeRegistry.SerializerOptions, EnumStorage.AsString, Casing.CamelCase);

        // Schema changes are applied by the start-up migration under its lock, never lazily by a session.
        opts.AutoCreateSchemaObjects = AutoCreate.None;
        // The engine's own look-up indexes (Schema/Marten/*.sql); Marten would drop indexes it did not make.
        foreach (var index in EngineIndexes) opts.Events.IgnoreIndex(index);

        opts.Projections.DaemonLockId = DaemonLockId;
        opts.Projections.LeadershipPollingTime = (int)options.LeadershipPolling.TotalMilliseconds;
        opts.Projections.FastPollingTime = options.DaemonFastPolling;
        // Unwoken by appends, an idle daemon polls as often as a busy one: a lone event waits one interval, not Marten's second.
        opts.Projections.SlowPollingTime = options.DaemonFastPolling;
        // Appends hold one lock until they commit, so a gap in the sequence is a rolled-back append,
        // never an event still to come; the daemon only skips a gap no live transaction explains.
        opts.Projections.UseTransactionEvidenceForGapSkipping = true;

        options.Events.ApplyTo(opts);
        return opts;
    }

    /// <summary>The catalog's schema for Marten's pool tables (<c>mt_database_pool</c>, <c>mt_tenant_assignments</c>).</summary>
    public const string PoolSchema = "tenancy";

    /// <summary>
    /// Companies over several databases with Marten's sharded tenancy: the catalog database holds the
    /// pool and each company's placement, every company database the full event store. A new company
    /// goes to the pool's database with the fewest companies that is not marked full; a look-up never
    /// places one. Events are not partitioned per tenant: each database keeps one global sequence,
    /// which the engine's checkpoints and batch reads rely on.
    /// </summary>
    public static StoreOptions UseCompanyDatabases(StoreOptions opts, string catalogConnectionString)
    {
        opts.MultiTenantedWithShardedDatabases(x =>
        {
            // A connection string, not the container's data source: the tenancy disposes its catalog's data source.
            x.ConnectionString = catalogConnectionString;
            x.SchemaName = PoolSchema;
            x.PartitionSchemaName = "tenants";
            x.UseSmallestDatabaseAssignment();
            // Each process names its connections to every database as it names its own (pg_stat_activity, locks).
            x.ApplicationName = new NpgsqlConnectionStringBuilder(catalogConnectionString).ApplicationName;
        });
        return opts;
    }

    /// <summary>
    /// The asynchronous projections become subscriptions of Marten's daemon, those that fold the same
    /// events sharing one (<see cref="IProjection.Subscription"/>); <paramref name="runnerFor"/>
    /// gives the runner of the database a page comes from (the daemon runs every database's pages).
    /// </summary>
    public static void Subscribe(
        StoreOptions opts, EventStoreOptions options, Func<IMartenDatabase, ProjectionRunner> runnerFor, IEnumerable<IProjection> projections, ILoggerFactory logs)
    {
        // A page a projection cannot apply is retried by the subscription, never skipped as a poison page.
        opts.Projections.Errors.SkipApplyErrors = false;
        foreach (var shared in projections.GroupBy(p => p.Subscription))
            opts.Events.Subscribe(new ProjectionSubscription(shared.Key, [.. shared], runnerFor, logs.CreateLogger<ProjectionSubscription>()), o =>
            {
                // A shared page holds every member's events, so it is as large as their own pages together.
                o.Options.BatchSize = options.DaemonBatchSize * shared.Count();
                // One page in flight: the next page is cut when the last one commits, so it holds every
                // event that arrived meanwhile (up to BatchSize). With Marten's default hopper a busy
                // projection gets a small page per high-water poll, and its fixed cost per page (a
                // transaction, a checkpoint, the reactor's append) then caps it far below its batch rate.
                o.Options.MaximumHopperSize = options.DaemonPagesInFlight;
            });
    }

    /// <summary>
    /// Creates or updates Marten's tables and functions (Weasel's migration). Any configuration of the
    /// store gives the same schema, so the migration needs none of the engine's registrations; Marten
    /// only creates its event tables once some event type is known.
    /// </summary>
    public static async Task ApplySchemaAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var opts = Configure(new StoreOptions(), new EventStoreOptions());
        opts.Events.AddEventType<UnknownEventData>();
        opts.Connection(dataSource);
        using var store = new DocumentStore(opts);
        await store.Storage.Database.ApplyAllConfiguredChangesToDatabaseAsync(AutoCreate.CreateOrUpdate, null, ct);
    }
}
