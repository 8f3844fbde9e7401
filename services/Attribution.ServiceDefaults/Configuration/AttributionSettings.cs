using Microsoft.Extensions.Configuration;

namespace Attribution.ServiceDefaults.Configuration;

/// <summary>
/// The operational settings of contract §7, read from the environment (or appsettings*.json)
/// under their contract names.
/// </summary>
public sealed record AttributionSettings
{
    public const string DefaultRabbitMqUrl = "amqp://guest:guest@127.0.0.1:5672/";
    public const string DefaultPostgresConnection = "Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution";
    public const string DefaultGatewayUrl = "http://127.0.0.1:5080";

    public required string RabbitMqUrl { get; init; }
    public required string PostgresConnection { get; init; }
    public required string GatewayUrl { get; init; }

    /// <summary>Operator token for /v1/admin/*; null means the admin API is closed.</summary>
    public string? AdminToken { get; init; }

    /// <summary>
    /// The broker's other nodes (<c>Broker:Nodes</c>: <c>host[:port]</c>, comma-separated), so that a
    /// client reconnects to any node of a cluster; RABBITMQ_URL's node is always tried first.
    /// </summary>
    public IReadOnlyList<string> BrokerNodes { get; init; } = [];

    /// <summary>The type of the queues the services consume (<c>Broker:QueueType</c>).</summary>
    public BrokerQueueType BrokerQueueType { get; init; } = BrokerQueueType.Classic;

    public static AttributionSettings From(IConfiguration configuration) => new()
    {
        RabbitMqUrl = NonEmpty(configuration["RABBITMQ_URL"]) ?? DefaultRabbitMqUrl,
        PostgresConnection = NonEmpty(configuration["POSTGRES_CONNECTION"]) ?? DefaultPostgresConnection,
        GatewayUrl = NonEmpty(configuration["ATTRIBUTION_GATEWAY_URL"]) ?? DefaultGatewayUrl,
        AdminToken = NonEmpty(configuration["ATTRIBUTION_ADMIN_TOKEN"]),
        BrokerNodes = (configuration["Broker:Nodes"] ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        BrokerQueueType = ParseQueueType(configuration["Broker:QueueType"]),
    };

    // A misspelt type must stop the start rather than quietly declare classic queues on a cluster.
    private static BrokerQueueType ParseQueueType(string? value) => NonEmpty(value)?.Trim().ToLowerInvariant() switch
    {
        null or "classic" => BrokerQueueType.Classic,
        "quorum" => BrokerQueueType.Quorum,
        _ => throw new InvalidOperationException($"Broker:QueueType is '{value}': use classic or quorum."),
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>
/// Classic queues live on one node; quorum queues are replicated over the cluster (Raft) and keep
/// working while a majority of their nodes runs. A durable queue's type cannot change once declared.
/// </summary>
public enum BrokerQueueType
{
    Classic,
    Quorum,
}
