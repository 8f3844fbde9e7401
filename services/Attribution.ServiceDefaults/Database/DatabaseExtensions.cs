using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly.Registry;

namespace Attribution.ServiceDefaults.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> per process, schema migrated at start-up (event
    /// store first, then the application's tables), a health check, and the schema fence that
    /// stops the process once a newer build has migrated the database.
    /// </summary>
    public static IServiceCollection AddAttributionDatabase(this IServiceCollection services, AttributionSettings settings)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(settings.PostgresConnection).Build());
        services.AddSingleton(new CatalogDatabase(settings.PostgresConnection));
        services.AddHostedService<DatabaseMigrator>();
        services.AddSingleton(sp =>
        {
            var options = new SchemaFenceOptions();
            sp.GetRequiredService<IConfiguration>().GetSection(SchemaFenceOptions.Section).Bind(options);
            if (options.Interval <= TimeSpan.Zero)
                throw new InvalidOperationException($"{SchemaFenceOptions.Section}:Interval must be positive; it is {options.Interval}.");
            return options;
        });
        services.AddHostedService<SchemaFence>();
        services.AddHealthChecks().AddNpgSql(sp => sp.GetRequiredService<NpgsqlDataSource>(), name: "postgres", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// Migrates Marten's schema, the old event store's tables (still there until their events move), the
    /// application's tables, then the engine's part of Marten's tables (the move, its indexes). Throws
    /// <see cref="SchemaNewerThanBuildException"/>, having applied nothing, when a newer build has
    /// migrated any of them.
    /// </summary>
    public static Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        SchemaMigrator.MigrateAsync(dataSource, Components, first: token => MartenConfiguration.ApplySchemaAsync(dataSource, token), ct);

    /// <summary>Migrations in the database that this build does not have, event store's and application's.</summary>
    public static Task<IReadOnlyList<string>> UnknownMigrationsAsync(NpgsqlDataSource dataSource, CancellationToken ct) =>
        SchemaMigrator.UnknownMigrationsAsync(dataSource, Components, ct);

    // The old event store before the application's tables, whose first migrations index it; the move
    // into Marten's tables last, once everything that reads the old ones has been created.
    private static readonly SchemaComponent[] Components =
    [
        new(EventStoreServiceCollectionExtensions.SchemaComponent, typeof(MartenEventStore).Assembly, "Schema"),
        new("app", typeof(DatabaseExtensions).Assembly),
        new(EventStoreServiceCollectionExtensions.MartenSchemaComponent, typeof(MartenEventStore).Assembly, "Schema.Marten"),
    ];

    /// <summary>
    /// Migrates the catalog, which is also the first company database (<see cref="CompanyDatabases.Main"/>),
    /// registers it in Marten's pool, places there every company that is in no database yet (an
    /// installation from before the pool), then migrates every other database of the pool.
    /// </summary>
    public static async Task MigrateAllAsync(NpgsqlDataSource catalog, CatalogDatabase connection, CompanyDatabases? databases, CancellationToken ct)
    {
        await MigrateAsync(catalog, ct);
        if (databases is null) return;
        await databases.AddMainAsync(connection, ct);
        foreach (var database in await databases.AllAsync(ct))
            if (database.Id != CompanyDatabases.Main) await MigrateAsync(database.DataSource, ct);
    }

    /// <summary><see cref="MigrateAllAsync(NpgsqlDataSource, CatalogDatabase, CompanyDatabases?, CancellationToken)"/> with a process's own services (its command-line verbs).</summary>
    public static Task MigrateAllAsync(IServiceProvider services, CancellationToken ct) =>
        MigrateAllAsync(services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<CatalogDatabase>(), services.GetService<CompanyDatabases>(), ct);

    /// <summary>
    /// Adds a company database to the pool: migrated first (it must be reachable), registered after,
    /// so no company is ever placed in a database without the schema.
    /// </summary>
    public static async Task AddCompanyDatabaseAsync(CompanyDatabases databases, string id, string connectionString, CancellationToken ct)
    {
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
            await MigrateAsync(dataSource, ct);
        await databases.AddToPoolAsync(id, connectionString, ct);
    }

    /// <summary>Runs before the other hosted services (registered first), retrying while the database boots.</summary>
    private sealed class DatabaseMigrator(
        NpgsqlDataSource dataSource, CatalogDatabase connection, ResiliencePipelineProvider<string> pipelines, ILogger<DatabaseMigrator> logger,
        CompanyDatabases? databases = null) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await pipelines.GetPipeline(ResiliencePipelines.StartUp).ExecuteAsync(
                    async ct => await MigrateAllAsync(dataSource, connection, databases, ct), cancellationToken);
            }
            catch (SchemaNewerThanBuildException ex)
            {
                logger.LogCritical("{Refusal} Not starting (exit code {Code}).", ex.Message, SchemaFence.RefusedExitCode);
                throw;
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
