using System.Threading.Channels;
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
/// Rolling upgrades: when a newer build starts and migrates the database, the processes of the
/// older build still running must stop writing, or they would keep storing documents in the shape
/// the migration replaced. Every process asks whether the database holds migrations its build does
/// not have: as soon as a migration is committed (LISTEN on <see cref="SchemaMigrator.MigratedChannel"/>),
/// on every reconnection of that listener, and every <see cref="SchemaFenceOptions.Interval"/>.
/// If so it logs why and stops with exit code 78 (EX_CONFIG). Its unacknowledged messages go back
/// to their queues for the new build's engines; a supervisor that starts it again gets the same
/// refusal at start-up (<see cref="SchemaNewerThanBuildException"/>), until it is upgraded.
/// </summary>
public sealed class SchemaFence(
    NpgsqlDataSource dataSource,
    SchemaFenceOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<SchemaFence> logger) : BackgroundService
{
    public const int ExitCode = 78; // EX_CONFIG

    private readonly Channel<bool> _checkNow = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = PostgresNotifications.ListenAsync(
            dataSource, SchemaMigrator.MigratedChannel, _ => CheckNow(), CheckNow, logger, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await NextCheckAsync(stoppingToken);
                IReadOnlyList<string> unknown;
                try
                {
                    unknown = await DatabaseExtensions.UnknownMigrationsAsync(dataSource, stoppingToken);
                }
                // An unreachable database is the other services' concern (health check, retries); ask again later.
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug(ex, "Schema fence: the database did not answer; asking again later");
                    continue;
                }
                if (unknown.Count == 0) continue;

                logger.LogCritical(
                    "The database has been migrated by a newer build ({Migrations} unknown to this one). Stopping with exit code {Code} rather than write data in an older shape: upgrade this process.",
                    string.Join(", ", unknown), ExitCode);
                Environment.ExitCode = ExitCode;
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

    private void CheckNow() => _checkNow.Writer.TryWrite(true);

    // A notification, or the interval running out, whichever comes first.
    private async Task NextCheckAsync(CancellationToken stoppingToken)
    {
        using var interval = new CancellationTokenSource(options.Interval, clock);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, interval.Token);
        try
        {
            await _checkNow.Reader.ReadAsync(either.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
        }
    }
}
