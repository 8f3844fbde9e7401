using Attribution.EventStore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.ServiceDefaults.Database;

public sealed class SchemaFenceOptions
{
    /// <summary>The configuration section the interval is read from (<c>SchemaFence__Interval</c>).</summary>
    public const string Section = "SchemaFence";

    /// <summary>
    /// How often a running process asks whether a newer build has migrated the database, besides
    /// whenever a migration notifies it: the backstop for a notification missed while not listening.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Rolling upgrades: when a newer build starts and migrates the database, the gateways and engines
/// of the older build still running must stop writing, or they would keep storing documents in
/// the shape the migration replaced. Each asks whether the database holds migrations its build
/// does not have: as soon as a migration is committed (LISTEN on
/// <see cref="SchemaMigrator.MigratedChannel"/>), on every reconnection of that listener, and
/// every <see cref="SchemaFenceOptions.Interval"/>. If so it logs why and stops with exit code 78
/// (EX_CONFIG). Its unacknowledged messages go back to their queues for the new build's engines;
/// a supervisor that starts it again gets the same refusal at start-up
/// (<see cref="SchemaNewerThanBuildException"/>), until it is upgraded. It watches the catalog
/// alone: a build migrates the catalog before any other company database (<see cref="DatabaseExtensions.MigrateAllAsync"/>).
/// </summary>
public sealed class SchemaFence(
    NpgsqlDataSource dataSource,
    SchemaFenceOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<SchemaFence> logger) : BackgroundService
{
    public const int RefusedExitCode = 78; // EX_CONFIG

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var migrated = new WakeSignal(clock);
        var listening = PostgresNotifications.ListenAsync(
            dataSource, SchemaMigrator.MigratedChannel, _ => migrated.Pulse(), migrated.Pulse, logger, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await migrated.WaitAsync(options.Interval, stoppingToken);
                IReadOnlyList<string> unknown;
                try
                {
                    unknown = await DatabaseExtensions.UnknownMigrationsAsync(dataSource, stoppingToken);
                }
                // Not fatal for the fence: it asks again at the next notification or interval. Logged
                // as a warning, so that a fence that can never ask (say, a missing privilege) shows.
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Schema fence: could not ask the database for migrations; asking again later");
                    continue;
                }
                if (unknown.Count == 0) continue;

                logger.LogCritical("{Refusal} Stopping with exit code {Code}.", new SchemaNewerThanBuildException(unknown).Message, RefusedExitCode);
                Environment.ExitCode = RefusedExitCode;
                lifetime.StopApplication();
                return;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await listening;
        }
    }
}
