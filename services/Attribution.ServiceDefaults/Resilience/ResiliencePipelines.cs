using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Polly;
using Polly.Retry;
using RabbitMQ.Client.Exceptions;

namespace Attribution.ServiceDefaults.Resilience;

/// <summary>
/// The Polly pipelines of the system, named by where they are used. Registered through Polly.Extensions
/// and resolved by name from <see cref="Polly.Registry.ResiliencePipelineProvider{TKey}"/>, which also reports
/// every retry and timeout as a log line and a metric (the "Polly" meter, on /metrics).
/// </summary>
public static class ResiliencePipelines
{
    /// <summary>
    /// Start-up: the database may still be booting (compose, CI). Retry for about a minute with
    /// capped exponential backoff before giving up and letting the process fail loudly.
    /// </summary>
    public const string StartUp = "attribution-start-up";

    /// <summary>
    /// Database writes on the hot path: a few quick retries for transient faults (failover,
    /// connection reset, serialization failure). Longer outages are the message retry's job.
    /// </summary>
    public const string Database = "attribution-database";

    /// <summary>
    /// Publishing an accepted event: a short, bounded wait for the broker's confirm. When it runs
    /// out the gateway answers 503 with Retry-After, so the client keeps the event; never 202.
    /// </summary>
    public const string Publish = "attribution-publish";

    public static IServiceCollection AddAttributionResilience(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(Registered))) return services;
        services.AddSingleton<Registered>();

        services.AddResiliencePipeline(StartUp, pipeline => pipeline.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>().Handle<System.Net.Sockets.SocketException>()
                .Handle<TimeoutException>(),
            MaxRetryAttempts = 30,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(3),
            UseJitter = true,
        }));

        services.AddResiliencePipeline(Database, pipeline => pipeline.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient)
                .Handle<PostgresException>(e => e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected),
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(50),
            UseJitter = true,
        }));

        services.AddResiliencePipeline(Publish, pipeline => pipeline
            .AddTimeout(TimeSpan.FromSeconds(5))
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<BrokerUnreachableException>().Handle<AlreadyClosedException>()
                    .Handle<MassTransit.RabbitMqConnectionException>(),
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(100),
            })
            .AddTimeout(TimeSpan.FromSeconds(2)));
        return services;
    }

    /// <summary>Marks the pipelines as registered: a second call adds nothing.</summary>
    private sealed class Registered;
}
