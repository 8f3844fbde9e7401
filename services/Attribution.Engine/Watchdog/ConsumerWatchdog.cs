using Attribution.Engine.Broker;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using RabbitMQ.Client;

namespace Attribution.Engine.Watchdog;

public sealed class ConsumerWatchdogOptions
{
    /// <summary>The configuration section the limits are read from.</summary>
    public const string Section = "Watchdog";

    /// <summary>The queues the engine consumes (the recording and replay endpoints).</summary>
    public IReadOnlyList<string> Queues { get; set; } = [];

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a queue may go unconsumed by this engine before it gives up and exits.</summary>
    public TimeSpan StallLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>RabbitMQ's management API (per-engine consumers); null: port 15672 of the broker's host.</summary>
    public Uri? ManagementUrl { get; set; }
}

/// <summary>
/// This engine process as the broker sees it: the name its bus gives its connection, unique per
/// instance so that the watchdog can tell its own consumers from another engine's.
/// </summary>
public sealed record EngineInstance(string ConnectionName)
{
    public static EngineInstance New() =>
        new($"Attribution.Engine {Environment.MachineName} pid {Environment.ProcessId} {Guid.NewGuid().ToString("N")[..8]}");
}

/// <summary>
/// The engine's last line of defence against a receive endpoint that never reconnects: it asks the
/// broker (not MassTransit) whether this engine consumes its queues, and when one has gone unconsumed
/// by it past the limit, it stops the process with exit code 70 so that its supervisor (compose's
/// restart policy, infra/up.sh) starts a fresh one. Nothing is lost meanwhile: the messages wait in
/// their durable queues, or another engine takes them. Per engine through the management API; where
/// that cannot be asked, from the queues' totals (messages waiting, nobody consuming).
/// </summary>
public sealed class ConsumerWatchdog(
    ConsumerWatchdogOptions options,
    AttributionSettings settings,
    RabbitMqManagementApi managementApi,
    EngineInstance instance,
    BusStartSignal busStart,
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
                if (!busStart.HasStarted) continue; // its consumers cannot be on the broker yet

                IReadOnlyList<QueueSample>? samples;
                try
                {
                    connection ??= await factory.CreateConnectionAsync(BrokerNodes.Endpoints(settings), stoppingToken);
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
                    "This engine ({Connection}) has not consumed {Queues} for over {Limit}: its bus did not reconnect. Exiting with {Code} so the supervisor restarts the engine.",
                    instance.ConnectionName,
                    string.Join(", ", samples!.Where(s => s.NotConsumedByThisEngine).Select(s => $"{s.Queue} ({s.Messages} waiting, {s.Consumers} consumers in all)")),
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
        var own = await OwnConsumersAsync(ct);
        var samples = new List<QueueSample>(options.Queues.Count);
        foreach (var queue in options.Queues)
            if (await BrokerQueues.SampleAsync(connection, queue, ct) is { } sample)
                samples.Add(own is null ? sample : sample with { OwnConsumers = own.GetValueOrDefault(queue) });
        return samples;
    }

    private bool _perEngineUnavailableLogged;

    private async Task<IReadOnlyDictionary<string, uint>?> OwnConsumersAsync(CancellationToken ct)
    {
        try
        {
            return await managementApi.ConsumersOfConnectionAsync(instance.ConnectionName, ct);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException && !ct.IsCancellationRequested)
        {
            if (!_perEngineUnavailableLogged)
                logger.LogWarning(ex, "Watchdog: RabbitMQ's management API cannot be asked (plugin off, wrong Watchdog__ManagementUrl, or a user without the management tag), so meanwhile it judges the queues' totals only: with several engines, one whose bus did not reconnect goes unseen while another consumes. Logged once");
            _perEngineUnavailableLogged = true;
            return null;
        }
    }
}
