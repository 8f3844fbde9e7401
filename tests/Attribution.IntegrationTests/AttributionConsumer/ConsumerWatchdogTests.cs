using Attribution.Engine;
using Attribution.Engine.AttributionConsumer.Watchdog;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.AttributionConsumer;

/// <summary>
/// The engine's watchdog asks the real broker about its queues; when messages wait with no
/// consumer past the limit, it stops the engine with exit code 70 for its supervisor to restart.
/// Here a queue nobody consumes stands for a bus that never reconnected.
/// </summary>
[NonParallelizable]
public sealed class ConsumerWatchdogTests
{
    [Test]
    public async Task An_engine_whose_queue_waits_unconsumed_past_the_limit_stops_with_exit_code_70()
    {
        const string queue = "watchdog-test-unconsumed";
        var factory = new ConnectionFactory { Uri = new Uri(TestServices.RabbitMqUrl) };
        await using var connection = await factory.CreateConnectionAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync("", queue, System.Text.Encoding.UTF8.GetBytes("waiting"));
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(TestServices.Configuration(RunningSystem.AdminToken));
        builder.AddAttributionEngine();
        builder.Services.AddSingleton(new ConsumerWatchdogOptions
        {
            Queues = [queue], Interval = TimeSpan.FromMilliseconds(200), StallLimit = TimeSpan.FromSeconds(1),
        });
        using var engine = builder.Build();
        var lifetime = engine.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await engine.StartAsync();
            await Poll.UntilAsync(() => Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested), stopping => stopping,
                TimeSpan.FromSeconds(30), "the watchdog to stop the engine");
            Assert.That(Environment.ExitCode, Is.EqualTo(ConsumerWatchdog.StalledExitCode));
        }
        finally
        {
            Environment.ExitCode = 0; // the test process itself must not exit with the engine's code
            await engine.StopAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
        }
    }

    [Test]
    public async Task An_engine_consuming_its_queues_is_left_running()
    {
        await using var system = await RunningSystem.StartAsync(engines: 0);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(TestServices.Configuration(RunningSystem.AdminToken));
        builder.AddAttributionEngine();
        var options = new ConsumerWatchdogOptions { Interval = TimeSpan.FromMilliseconds(200), StallLimit = TimeSpan.FromSeconds(1) };
        builder.Services.AddSingleton(options);
        using var engine = builder.Build();
        options.Queues = engine.Services.GetServices<ConsumerWatchdogOptions>().First().Queues;
        var lifetime = engine.Services.GetRequiredService<IHostApplicationLifetime>();
        await engine.StartAsync();
        try
        {
            var company = await system.CreateCompanyAsync("Watched");
            // Traffic flows through the watched queues for several stall limits; the engine keeps running.
            var deadline = DateTime.UtcNow.AddSeconds(4);
            while (DateTime.UtcNow < deadline)
            {
                using var r = await company.PostAsBrowserAsync("/v1/events/cart", new
                {
                    userFingerprint = "fp_watched", type = "ITEM_ADDED", productId = "SKU-1", productName = "Shoe", value = 10m, currency = "USD", quantity = 1,
                });
                Assert.That((int)r.StatusCode, Is.EqualTo(202));
            }
            Assert.That(lifetime.ApplicationStopping.IsCancellationRequested, Is.False);
        }
        finally
        {
            await engine.StopAsync();
        }
    }
}
