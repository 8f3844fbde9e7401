using Attribution.ServiceDefaults.Configuration;
using RabbitMQ.Client;

namespace Attribution.Engine.AttributionConsumer.Watchdog;

public sealed class ConsumerWatchdogOptions
{
    /// <summary>The configuration section the limits are read from.</summary>
    public const string Section = "Watchdog";

    /// <summary>The queues the engine consumes (the recording and replay endpoints).</summary>
    public IReadOnlyList<string> Queues { get; set; } = [];

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long messages may wait with no consumer before the engine gives up and exits.</summary>
    public TimeSpan StallLimit { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// The engine's last line of defence against a receive endpoint that never reconnects: it asks the
/// broker (not MassTransit) whether the engine's queues are being consumed, and when messages have
/// waited with no consumer past the limit, it stops the process with exit code 70 so that its
/// supervisor (compose's restart policy, infra/up.sh) starts a fresh one. Nothing is lost meanwhile:
/// the messages wait in their durable queues.
/// </summary>
public sealed class ConsumerWatchdog(
    ConsumerWatchdogOptions options,
    AttributionSettings settings,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<ConsumerWatchdog> logger) : BackgroundService
{
    public const int StalledExitCode = 70; // EX_SOFTWARE

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(settings.RabbitMqUrl), ClientProvidedName = "attribution-engine-watchdog" };
        var state = ConsumerStallRule.State.Healthy;
        IConnection? connection = null;
        try
        {
            using var timer = new PeriodicTimer(options.Interval, clock);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                IReadOnlyList<QueueSample>? samples;
                try
                {
                    connection ??= await factory.CreateConnectionAsync(stoppingToken);
                    samples = await SampleAsync(connection, stoppingToken);
                }
                // RabbitMQ.Client 7 reports a timed-out call as a TaskCanceledException: only our own
                // stopping token ends the loop; anything else is an unreachable broker.
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Watchdog: broker not reachable; not counted as a stall");
                    connection?.Dispose();
                    connection = null;
                    samples = null;
                }

                (state, var stalled) = ConsumerStallRule.Observe(state, samples, clock.GetUtcNow(), options.StallLimit);
                if (!stalled) continue;
                logger.LogCritical(
                    "No consumer on {Queues} while messages wait, for over {Limit}: the bus did not reconnect. Exiting with {Code} so the supervisor restarts the engine.",
                    string.Join(", ", samples!.Where(s => s.WaitsUnconsumed).Select(s => $"{s.Queue} ({s.Messages} waiting)")),
                    options.StallLimit, StalledExitCode);
                Environment.ExitCode = StalledExitCode;
                lifetime.StopApplication();
                return;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            connection?.Dispose();
        }
    }

    // A queue not declared yet (first start) is left out: nothing can wait in it.
    private async Task<IReadOnlyList<QueueSample>> SampleAsync(IConnection connection, CancellationToken ct)
    {
        var samples = new List<QueueSample>(options.Queues.Count);
        foreach (var queue in options.Queues)
            if (await BrokerQueues.SampleAsync(connection, queue, ct) is { } sample)
                samples.Add(sample);
        return samples;
    }
}
