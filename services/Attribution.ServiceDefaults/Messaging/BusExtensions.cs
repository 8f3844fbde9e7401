using Attribution.ServiceDefaults.Configuration;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Attribution.ServiceDefaults.Messaging;

/// <summary>MassTransit 8 over RabbitMQ, configured the same way in every process.</summary>
public static class BusExtensions
{
    public static IServiceCollection AddAttributionBus(
        this IServiceCollection services, AttributionSettings settings, Action<IBusRegistrationConfigurator>? registerConsumers = null,
        string? connectionName = null)
    {
        var broker = RabbitMqAddress.Parse(settings.RabbitMqUrl);
        var nodes = BrokerNodes.Of(settings);
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            registerConsumers?.Invoke(bus);
            // Only the consumers' own endpoints: the bus's temporary queue is exclusive and auto-deleted, which a quorum queue cannot be.
            if (settings.BrokerQueueType == BrokerQueueType.Quorum)
                bus.AddConfigureEndpointsCallback((_, endpoint) =>
                {
                    if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.SetQuorumQueue();
                });
            bus.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(broker.Host, broker.Port, broker.VirtualHost, h =>
                {
                    h.Username(broker.Username);
                    h.Password(broker.Password);
                    // Publish completes only when the broker has the message (contract §3: 202 means durable).
                    h.PublisherConfirmation = true;
                    // How the broker names this process's connection (the assembly's name by default).
                    if (connectionName is not null) h.ConnectionName(connectionName);
                    // A dropped connection is made again to the next node that answers.
                    if (nodes.Count > 1)
                        h.UseCluster(c =>
                        {
                            foreach (var node in nodes) c.Node($"{node.Host}:{node.Port}");
                        });
                });
                // The broker tells the age of a queue's oldest message (the engine's consumer-lag gauge)
                // only from its AMQP timestamp: stamp every message with the time it is published.
                cfg.ConfigurePublish(publish => publish.UseExecute(StampPublishTime));
                cfg.ConfigureEndpoints(context);
            });
        });

        // The gateway must start (and answer 503) while the broker is down, so don't block start-up on it.
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = false;
            o.StopTimeout = TimeSpan.FromSeconds(30);
            // Bounds the wait for in-flight deliveries when a connection drops. MassTransit 8.4 only
            // reconnects a receive endpoint once that wait ends, and without a limit a batch caught by
            // a broker stop could keep it waiting for good (MassTransit issues #2072, #5692, #5705).
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(10);
        });
        return services;
    }

    private static void StampPublishTime(PublishContext context)
    {
        if (context.TryGetPayload(out RabbitMqSendContext? rabbit) && !rabbit.BasicProperties.IsTimestampPresent())
            rabbit.BasicProperties.Timestamp = new RabbitMQ.Client.AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    }
}

/// <summary>The broker's nodes a client may connect to: RABBITMQ_URL's first, then <c>Broker:Nodes</c> (each once).</summary>
public static class BrokerNodes
{
    public static IReadOnlyList<(string Host, int Port)> Of(AttributionSettings settings)
    {
        var url = RabbitMqAddress.Parse(settings.RabbitMqUrl);
        var nodes = new List<(string Host, int Port)> { (url.Host, url.Port) };
        foreach (var node in settings.BrokerNodes)
        {
            var uri = new Uri(node.Contains("://", StringComparison.Ordinal) ? node : "amqp://" + node);
            var parsed = (uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port);
            if (!nodes.Contains(parsed)) nodes.Add(parsed);
        }
        return nodes;
    }

    /// <summary>The same as RabbitMQ.Client endpoints (a plain connection that fails over as the bus does).</summary>
    public static IList<RabbitMQ.Client.AmqpTcpEndpoint> Endpoints(AttributionSettings settings) =>
        [.. Of(settings).Select(n => new RabbitMQ.Client.AmqpTcpEndpoint(n.Host, n.Port))];
}

/// <summary>The parts of an <c>amqp://user:pass@host:port/vhost</c> URL.</summary>
public sealed record RabbitMqAddress(string Host, ushort Port, string VirtualHost, string Username, string Password)
{
    public static RabbitMqAddress Parse(string url)
    {
        var uri = new Uri(url);
        var userInfo = uri.UserInfo.Split(':', 2);
        var vhost = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new RabbitMqAddress(
            uri.Host,
            (ushort)(uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port),
            vhost.Length == 0 ? "/" : vhost,
            userInfo.Length > 0 && userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest",
            userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest");
    }
}
