using Attribution.EventStore.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Attribution.EventStore;

public static class EventStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store (Marten: <c>AddMarten</c>). Needs an <see cref="NpgsqlDataSource"/> in the container.
    /// Call <see cref="AddProjectionDaemon"/> in the process that should run asynchronous projections.
    /// </summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, Action<EventStoreOptions> configure)
    {
        var options = new EventStoreOptions();
        configure(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<PostgresEventStore>();
        services.TryAddSingleton<IEventStore>(sp => sp.GetRequiredService<PostgresEventStore>());
        services.TryAddSingleton<ProjectionRunner>();
        services.TryAddSingleton<DocumentReader>();
        return services;
    }

    /// <summary>
    /// An asynchronous projection built by the container (it may need services, even the store itself).
    /// The daemon runs it beside the ones given as instances in <see cref="EventStoreOptions"/>.
    /// </summary>
    public static IServiceCollection AddAsyncProjection<T>(this IServiceCollection services) where T : class, IProjection
    {
        services.TryAddSingleton<T>();
        services.AddSingleton(new AsyncProjectionRegistration(typeof(T)));
        return services;
    }

    public static IServiceCollection AddProjectionDaemon(this IServiceCollection services)
    {
        // Async projections: the instances in the options plus those the container builds (AddAsyncProjection).
        services.AddHostedService(sp => new ProjectionDaemon(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<ProjectionRunner>(),
            sp.GetRequiredService<EventStoreOptions>(),
            sp.GetServices<AsyncProjectionRegistration>().Select(r => (IProjection)sp.GetRequiredService(r.ProjectionType)).ToList(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ProjectionDaemon>>()));
        return services;
    }

    /// <summary>The event store's name in <c>public.schema_migrations</c>.</summary>
    public const string SchemaComponent = "event_store";

    /// <summary>Creates or upgrades the event store's schema.</summary>
    public static Task MigrateEventStoreAsync(this NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        SchemaMigrator.MigrateAsync(dataSource, SchemaComponent, typeof(PostgresEventStore).Assembly, ct);
}
