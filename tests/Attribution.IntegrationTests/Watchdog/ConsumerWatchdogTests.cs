using Attribution.Contracts.Ingestion;
using Attribution.Engine.Recording;
using Attribution.Engine.Watchdog;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Watchdog;

/// <summary>
/// The engine's watchdog asks the real broker about its queues; when messages wait with no
/// consumer past the limit, it stops the engine with exit code 70 for its supervisor to restart.
/// Here a queue nobody consumes stands for a bus that never reconnected. Each engine is started
/// and its bus up before anything is judged, as in production where the limit is 60 s.
/// </summary>
[NonParallelizable]
public sealed class ConsumerWatchdogTests
{
    [Test]
    public async Task An_engine_whose_queue_waits_unconsumed_past_the_limit_stops_with_exit_code_70()
    {
        const string queue = "watchdog-test-unconsumed";
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var engine = await system.StartEngineAsync(s => s.AddSingleton(new ConsumerWatchdogOptions
        {
            Queues = [queue], Interval = TimeSpan.FromMilliseconds(200), StallLimit = TimeSpan.FromSeconds(1),
        }));
        var lifetime = engine.Services.GetRequiredService<IHostApplicationLifetime>();

        await using var connection = await TestServices.OpenBrokerConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync("", queue, System.Text.Encoding.UTF8.GetBytes("waiting"));
        }
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested), stopping => stopping,
                TimeSpan.FromSeconds(30), "the watchdog to stop the engine");
            Assert.That(Environment.ExitCode, Is.EqualTo(ConsumerWatchdog.StalledExitCode));
        }
        finally
        {
            Environment.ExitCode = 0; // the test process itself must not exit with the engine's code
            await system.StopEngineAsync(engine);
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Test]
    public async Task An_engine_process_configured_to_watch_an_unconsumed_queue_exits_70_and_is_started_again()
    {
        const string queue = "watchdog-test-process";
        await using var system = await RunningSystem.StartAsync(engines: 0);
        await using var connection = await TestServices.OpenBrokerConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync("", queue, System.Text.Encoding.UTF8.GetBytes("waiting"));
        }
        // The limits and the extra queue come from configuration (environment), as an operator sets them.
        using var engine = EngineProcess.Start("watched", new Dictionary<string, string?>
        {
            ["Watchdog__Interval"] = "00:00:00.5",
            ["Watchdog__StallLimit"] = "00:00:02",
            ["Watchdog__Queues__0"] = queue,
        });
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(engine.Restarts), restarts => restarts.Count >= 1, TimeSpan.FromSeconds(60),
                "the engine process to exit and its supervisor to start it again");
            Assert.That(engine.Restarts[0], Is.EqualTo(ConsumerWatchdog.StalledExitCode), "the process's exit code");
        }
        finally
        {
            await engine.KillAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Test]
    public async Task With_two_engines_the_one_whose_bus_is_down_stops_while_the_other_consumes_on()
    {
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var watched = PerEngineOptions();
        var healthy = await system.StartEngineAsync(s => s.AddSingleton(watched));
        var broken = await system.StartEngineAsync(s => s.AddSingleton(watched));
        var company = await system.CreateCompanyAsync("Two engines");

        // The broken engine's bus stops (as one that never reconnected); its process, and its watchdog, run on.
        await broken.Services.GetRequiredService<MassTransit.IBusControl>().StopAsync();
        try
        {
            var brokenLifetime = broken.Services.GetRequiredService<IHostApplicationLifetime>();
            var fingerprint = "fp_" + Guid.NewGuid().ToString("N");
            await Poll.UntilAsync(async () =>
            {
                await PostCartEventAsync(company, fingerprint); // the other engine keeps the queue empty: its totals show nothing wrong
                return brokenLifetime.ApplicationStopping.IsCancellationRequested;
            }, stopping => stopping, TimeSpan.FromSeconds(45), "the watchdog of the engine whose bus is down to stop it");

            Assert.That(Environment.ExitCode, Is.EqualTo(ConsumerWatchdog.StalledExitCode));
            Assert.That(healthy.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, Is.False,
                "the engine that consumes is left running");
            await Poll.UntilAsync(async () => { using var cart = await company.GetAsServerAsync($"/v1/visitors/{fingerprint}/cart"); return (int)cart.StatusCode; },
                status => status == 200, TimeSpan.FromSeconds(15), "the healthy engine to have recorded the events meanwhile");
        }
        finally
        {
            Environment.ExitCode = 0; // the test process itself must not exit with the engine's code
            await system.StopEngineAsync(broken);
        }
    }

    [Test]
    public async Task An_engine_consuming_its_queues_is_left_running()
    {
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var options = PerEngineOptions();
        var engine = await system.StartEngineAsync(s => s.AddSingleton(options));
        var lifetime = engine.Services.GetRequiredService<IHostApplicationLifetime>();
        var company = await system.CreateCompanyAsync("Watched");

        // Traffic flows through the watched queue for longer than the stall limit; the engine keeps running.
        var until = DateTime.UtcNow + options.StallLimit * 1.5;
        while (DateTime.UtcNow < until) await PostCartEventAsync(company, "fp_watched");
        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);
    }

    /// <summary>
    /// Limits for judging per engine. RabbitMQ's management API lists a new connection's consumers up to
    /// its statistics interval (5 s by default) after they exist, so the limit must be longer than that.
    /// </summary>
    private static ConsumerWatchdogOptions PerEngineOptions() => new()
    {
        Queues = [RecordingQueues.Of<CartEventReceived>()], Interval = TimeSpan.FromMilliseconds(250), StallLimit = TimeSpan.FromSeconds(8),
    };

    private static async Task PostCartEventAsync(TestCompany company, string fingerprint)
    {
        using var r = await company.PostAsBrowserAsync("/v1/events/cart", new
        {
            userFingerprint = fingerprint, type = "ITEM_ADDED", productId = "SKU-1", productName = "Shoe", value = 10m, currency = "USD", quantity = 1,
        });
        Assert.That((int)r.StatusCode, Is.EqualTo(202));
    }
}
