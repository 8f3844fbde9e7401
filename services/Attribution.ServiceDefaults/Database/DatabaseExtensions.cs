using Attribution.EventStore;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Attribution.ServiceDefaults.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// One pooled <see cref="NpgsqlDataSource"/> per process, schema migrated at start-up (event
    /// store first, then the application's tables), and a health check.
    /// </summary>
    public static IServiceCollection AddAttributionDatabase(this IServiceCollection services, AttributionSettings settings)
    {
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(settings.PostgresConnection).Build());
        services.AddHostedService<DatabaseMigrator>();
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        return services;
    }

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await dataSource.MigrateEventStoreAsync(ct);
        await SchemaMigrator.MigrateAsync(dataSource, "app", typeof(DatabaseExtensions).Assembly, ct);
    }

    /// <summary>Runs before the other hosted services (registered first), retrying while the database boots.</summary>
    private sealed class DatabaseMigrator(NpgsqlDataSource dataSource) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            ResiliencePipelines.StartUp.ExecuteAsync(async ct => await MigrateAsync(dataSource, ct), cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var cmd = dataSource.CreateCommand("SELECT 1");
                await cmd.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", ex);
            }
        }
    }
}
