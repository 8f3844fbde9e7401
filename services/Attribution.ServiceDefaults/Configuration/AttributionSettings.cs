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

    public static AttributionSettings From(IConfiguration configuration) => new()
    {
        RabbitMqUrl = NonEmpty(configuration["RABBITMQ_URL"]) ?? DefaultRabbitMqUrl,
        PostgresConnection = NonEmpty(configuration["POSTGRES_CONNECTION"]) ?? DefaultPostgresConnection,
        GatewayUrl = NonEmpty(configuration["ATTRIBUTION_GATEWAY_URL"]) ?? DefaultGatewayUrl,
        AdminToken = NonEmpty(configuration["ATTRIBUTION_ADMIN_TOKEN"]),
    };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
