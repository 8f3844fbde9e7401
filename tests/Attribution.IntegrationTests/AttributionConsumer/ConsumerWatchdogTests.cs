using Attribution.Contracts.Ingestion;
using Attribution.Engine.AttributionConsumer.Recording;
using Attribution.Engine.AttributionConsumer.Watchdog;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.AttributionConsumer;

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
    public async Task An_engine_consuming_its_queues_is_left_running()
    {
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var engine = await system.StartEngineAsync(s => s.AddSingleton(new ConsumerWatchdogOptions
        {
            Queues = [RecordingQueues.Of<CartEventReceived>()], Interval = TimeSpan.FromMilliseconds(200), StallLimit = TimeSpan.FromSeconds(1),
        }));
        var lifetime = engine.Services.GetRequiredService<IHostApplicationLifetime>();
        var company = await system.CreateCompanyAsync("Watched");

        // Traffic flows through the watched queue for several stall limits; the engine keeps running.
        var until = DateTime.UtcNow.AddSeconds(4);
        while (DateTime.UtcNow < until)
        {
            using var r = await company.PostAsBrowserAsync("/v1/events/cart", new
            {
                userFingerprint = "fp_watched", type = "ITEM_ADDED", productId = "SKU-1", productName = "Shoe", value = 10m, currency = "USD", quantity = 1,
            });
            Assert.That((int)r.StatusCode, Is.EqualTo(202));
        }
        Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);
    }
}
