using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>
/// Runs every asynchronous projection (Marten's async daemon). Wakes on the store's append
/// notification (LISTEN/NOTIFY) and falls back to a slow poll, so a new event reaches the read
/// models in milliseconds without hammering the database when idle.
/// </summary>
public sealed class ProjectionDaemon(
    NpgsqlDataSource dataSource,
    ProjectionRunner runner,
    EventStoreOptions options,
    IEnumerable<IProjection> containerProjections,
    ILogger<ProjectionDaemon> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var projections = options.Projections.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Projection)
            .Concat(containerProjections).ToList();
        var signals = projections.Select(_ => new WakeSignal()).ToList();
        var loops = projections.Select((p, i) => RunProjection(p, signals[i], stoppingToken));
        return Task.WhenAll(loops.Append(Listen(signals, stoppingToken)));
    }

    private async Task RunProjection(IProjection projection, WakeSignal signal, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var applied = await runner.RunOnceAsync(projection, ct);
                failures = 0;
                if (applied == 0) await signal.WaitAsync(options.DaemonIdlePoll, ct);
                else if (applied < options.DaemonBatchSize && options.DaemonCoalesceDelay > TimeSpan.Zero)
                    await Delay(options.DaemonCoalesceDelay, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Transient (database restarting) or a bug in a projection: keep the checkpoint, back off, retry.
                failures++;
                logger.LogError(ex, "Projection {Projection} failed (attempt {Attempt}); retrying", projection.Name, failures);
                await Delay(Backoff(failures), ct);
            }
        }
    }

    // A notification wakes every projection; on (re)connect they catch up on anything appended meanwhile.
    private Task Listen(IReadOnlyList<WakeSignal> signals, CancellationToken ct) =>
        PostgresNotifications.ListenAsync(dataSource, PostgresEventStore.NotificationChannel,
            _ => PulseAll(signals), () => PulseAll(signals), logger, ct);

    private static void PulseAll(IReadOnlyList<WakeSignal> signals)
    {
        foreach (var s in signals) s.Pulse();
    }

    private static TimeSpan Backoff(int failures) => PostgresNotifications.Backoff(failures);

    private static async Task Delay(TimeSpan delay, CancellationToken ct)
    {
        try { await Task.Delay(delay, ct); }
        catch (OperationCanceledException) { }
    }
}
