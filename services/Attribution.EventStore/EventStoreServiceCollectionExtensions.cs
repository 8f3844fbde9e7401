using Attribution.EventStore.Databases;
using Attribution.EventStore.Projections;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.EventStore;

public static class EventStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers Marten, configured by <see cref="MartenConfiguration"/>, over the pool of company
    /// databases whose catalog is the container's <see cref="NpgsqlDataSource"/> (<see cref="CompanyDatabases"/>),
    /// with every asynchronous projection as a subscription of its daemon, and the engine's batch-level
    /// store on top. Call <see cref="AddProjectionDaemon"/> in the process that should run the
    /// asynchronous projections.
    /// </summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, Action<EventStoreOptions> configure)
    {
        var options = new EventStoreOptions();
        configure(options);
        if (services.Any(d => d.ServiceType == typeof(EventStoreOptions))) return services;
        services.AddSingleton(options);
        var marten = services.AddMarten(sp =>
            {
                var opts = MartenConfiguration.Configure(new StoreOptions(), options);
                MartenConfiguration.UseCompanyDatabases(opts, sp.GetRequiredService<CatalogDatabase>().ConnectionString);
                MartenConfiguration.Subscribe(opts, options, database => sp.GetRequiredService<CompanyDatabases>().ForDatabase(database).Projections,
                    AsyncProjections(sp, options), sp.GetRequiredService<ILoggerFactory>());
                return opts;
            });
        services.AddSingleton(new MartenRegistration(marten));
        // The store is needed by projections that Marten's own configuration builds: it reaches Marten on first use.
        services.TryAddSingleton(sp => new Lazy<IDocumentStore>(sp.GetRequiredService<IDocumentStore>));
        services.TryAddSingleton<MartenEventStore>();
        services.TryAddSingleton<IEventStore, CompanyEventStore>();
        services.TryAddSingleton<ProjectionRunner>();
        services.TryAddSingleton<CompanyDatabases>();
        services.TryAddSingleton<DocumentReader>();
        return services;
    }

    /// <summary>
    /// An asynchronous projection built by the container (it may need services, even the store itself),
    /// run by Marten's daemon beside the ones given as instances in <see cref="EventStoreOptions"/>.
    /// </summary>
    public static IServiceCollection AddAsyncProjection<T>(this IServiceCollection services) where T : class, IProjection
    {
        services.TryAddSingleton<T>();
        services.AddSingleton(new AsyncProjectionRegistration(typeof(T)));
        return services;
    }

    /// <summary>
    /// Marten's async daemon in HotCold mode: every engine instance runs it, the one holding the
    /// leadership (an advisory lock) runs every asynchronous projection, and a standby takes over
    /// when that one dies. The projections' backlog is reported as metrics (<see cref="ProjectionBacklogMetrics"/>).
    /// </summary>
    public static IServiceCollection AddProjectionDaemon(this IServiceCollection services)
    {
        var registration = services.Select(d => d.ImplementationInstance).OfType<MartenRegistration>().SingleOrDefault()
            ?? throw new InvalidOperationException("AddEventStore must come before AddProjectionDaemon.");
        registration.Marten.AddAsyncDaemon(DaemonMode.HotCold);
        services.AddHostedService(sp => new ProjectionBacklogMetrics(
            sp.GetRequiredService<CompanyDatabases>(),
            AsyncProjections(sp, sp.GetRequiredService<EventStoreOptions>()).Select(p => p.Name).ToList(),
            sp.GetRequiredService<ILogger<ProjectionBacklogMetrics>>()));
        return services;
    }

    /// <summary>The event store's name in <c>public.schema_migrations</c>.</summary>
    public const string SchemaComponent = "event_store";

    /// <summary>The engine's migrations of Marten's event tables, in <c>public.schema_migrations</c>.</summary>
    public const string MartenSchemaComponent = "event_store_marten";

    private static IEnumerable<IProjection> AsyncProjections(IServiceProvider sp, EventStoreOptions options) =>
        options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Projection)
            .Concat(sp.GetServices<AsyncProjectionRegistration>().Select(r => (IProjection)sp.GetRequiredService(r.ProjectionType)));

    private sealed record MartenRegistration(MartenServiceCollectionExtensions.MartenConfigurationExpression Marten);
}
