using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL of the test's own in a container (Testcontainers), migrated, for fault tests:
/// stopping or restarting it never disturbs the machine's shared database or another test.
/// The image comes from <c>ATTRIBUTION_POSTGRES_IMAGE</c>: the official <c>postgres:15</c> by
/// default, the one infra/docker.sh builds from Debian packages where nothing can be pulled.
/// Without Docker the test is ignored, and fails with <c>CI=true</c>.
/// </summary>
public sealed class PostgresContainer : IAsyncDisposable
{
    public const string DefaultImage = "postgres:15";
    private const string User = "app";
    private const string DatabaseName = "attribution";

    private readonly PostgreSqlContainer _container;

    private PostgresContainer(PostgreSqlContainer container, int port)
    {
        _container = container;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = container.Hostname, Port = port, Username = User, Password = User, Database = DatabaseName, MaxPoolSize = 50,
        }.ConnectionString;
        Database = NpgsqlDataSource.Create(ConnectionString);
    }

    public static string Image => Environment.GetEnvironmentVariable("ATTRIBUTION_POSTGRES_IMAGE") is { Length: > 0 } image ? image : DefaultImage;

    public string ConnectionString { get; }

    /// <summary>The test's own view of the database (the engines and the gateway have their own pools).</summary>
    public NpgsqlDataSource Database { get; }

    public static async Task<PostgresContainer> StartAsync()
    {
        // A fixed host port: a restarted container keeps its address, as a restarted server does.
        var port = BrokerContainer.FreePort();
        PostgreSqlContainer container;
        try
        {
            container = new PostgreSqlBuilder(Image)
                .WithUsername(User)
                .WithPassword(User)
                .WithDatabase(DatabaseName)
                .WithPortBinding(port, PostgreSqlBuilder.PostgreSqlPort)
                .WithLabel("attribution.test", "true")
                // Durable as in production: Testcontainers' fsync=off and synchronous_commit=off would
                // lose commits the engine was told of when a stop ends in a kill. SIGINT is a fast
                // shutdown (the official image's stop signal; SIGTERM waits for clients to leave).
                .WithCreateParameterModifier(p =>
                {
                    p.Cmd = ["postgres"];
                    p.StopSignal = "SIGINT";
                })
                .Build();
            await container.StartAsync();
        }
        catch (DockerUnavailableException ex)
        {
            DockerEngine.Missing("needs a Docker engine for a database of its own: bash infra/docker.sh start (infra/test.sh does it under CI=true)", ex);
            throw;
        }
        var postgres = new PostgresContainer(container, port);
        await postgres.WaitUntilServingAsync("the PostgreSQL container to accept connections");
        await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAsync(postgres.Database, CancellationToken.None);
        return postgres;
    }

    /// <summary>Stops the container: the server shuts down, every client sees its connections closed.</summary>
    public Task StopAsync() => _container.StopAsync();

    /// <summary>Starts the stopped container again and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        await _container.StartAsync();
        // This side's pooled connections died with the server.
        Database.Clear();
        await WaitUntilServingAsync("the restarted PostgreSQL container to accept connections");
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        await _container.DisposeAsync();
    }

    private async Task WaitUntilServingAsync(string what) =>
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await using var cmd = Database.CreateCommand("SELECT 1");
                return await cmd.ExecuteScalarAsync() is 1;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, up => up, TimeSpan.FromSeconds(60), what);
}
