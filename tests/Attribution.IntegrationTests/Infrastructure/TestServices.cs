using System.Net.Http.Json;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Npgsql;

namespace Attribution.IntegrationTests;

/// <summary>
/// The real RabbitMQ and PostgreSQL that infra/services.sh started (RABBITMQ_URL,
/// POSTGRES_CONNECTION). Each test run gets its own database and RabbitMQ virtual host, so
/// runs never see each other's messages or rows. With CI=true a missing service fails the run;
/// elsewhere the integration tests are skipped with a pointer to the script.
/// </summary>
[SetUpFixture]
public sealed class TestServices
{
    private static readonly string RunId = $"t{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(1000, 9999)}";

    public static string RabbitMqUrl { get; private set; } = "";
    public static string PostgresConnection { get; private set; } = "";
    public static NpgsqlDataSource Database { get; private set; } = null!;

    /// <summary>A plain RabbitMQ.Client connection to the run's vhost, for looking at queues from the broker's side.</summary>
    public static Task<RabbitMQ.Client.IConnection> OpenBrokerConnectionAsync() =>
        new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(RabbitMqUrl) }.CreateConnectionAsync();

    private static string _adminConnection = "";
    private static RabbitMqAddress _broker = null!;
    private static string _databaseName = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var baseRabbit = Environment.GetEnvironmentVariable("RABBITMQ_URL") ?? AttributionSettings.DefaultRabbitMqUrl;
        _adminConnection = Environment.GetEnvironmentVariable("POSTGRES_CONNECTION") ?? AttributionSettings.DefaultPostgresConnection;
        _broker = RabbitMqAddress.Parse(baseRabbit);

        if (!await Reachable(_broker.Host, _broker.Port) || !await Reachable(new NpgsqlConnectionStringBuilder(_adminConnection).Host!, new NpgsqlConnectionStringBuilder(_adminConnection).Port))
        {
            const string why = "RabbitMQ or PostgreSQL is not reachable; start them with `bash infra/services.sh start`.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail(why);
            Assert.Ignore(why);
        }

        _databaseName = "attribution_" + RunId;
        PostgresConnection = await CreateDatabaseAsync(_databaseName);
        Database = NpgsqlDataSource.Create(PostgresConnection);
        await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAsync(Database, CancellationToken.None);
        RabbitMqUrl = await CreateVirtualHostAsync(RunId);
    }

    /// <summary>
    /// A database and a virtual host of their own, migrated, for a test whose engine must not share
    /// the run's (one that changes the schema, say); both are removed on dispose.
    /// </summary>
    public static async Task<ScratchEnvironment> CreateScratchEnvironmentAsync(string name)
    {
        var database = $"{_databaseName}_{name}";
        var postgres = await CreateDatabaseAsync(database);
        await using (var dataSource = NpgsqlDataSource.Create(postgres))
            await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAsync(dataSource, CancellationToken.None);
        var vhost = $"{RunId}_{name}";
        return new ScratchEnvironment(postgres, await CreateVirtualHostAsync(vhost), () => RemoveAsync(database, vhost));
    }

    /// <summary>An empty database of its own, not migrated (a test that builds an older schema first); removed on dispose.</summary>
    public static async Task<ScratchEnvironment> CreateEmptyDatabaseAsync(string name)
    {
        var database = $"{_databaseName}_{name}";
        var postgres = await CreateDatabaseAsync(database);
        return new ScratchEnvironment(postgres, "", () => RemoveAsync(database, null));
    }

    public sealed class ScratchEnvironment(string postgresConnection, string rabbitMqUrl, Func<Task> remove) : IAsyncDisposable
    {
        public string PostgresConnection { get; } = postgresConnection;
        public string RabbitMqUrl { get; } = rabbitMqUrl;

        public async ValueTask DisposeAsync() => await remove();
    }

    private static async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var admin = NpgsqlDataSource.Create(_adminConnection))
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}"))
            await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(_adminConnection) { Database = name, MaxPoolSize = 50 }.ConnectionString;
    }

    private static async Task<string> CreateVirtualHostAsync(string vhost)
    {
        await Management(HttpMethod.Put, $"vhosts/{vhost}", "{}");
        await Management(HttpMethod.Put, $"permissions/{vhost}/{Uri.EscapeDataString(_broker.Username)}",
            """{"configure":".*","write":".*","read":".*"}""");
        return $"amqp://{Uri.EscapeDataString(_broker.Username)}:{Uri.EscapeDataString(_broker.Password)}@{_broker.Host}:{_broker.Port}/{vhost}";
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (Database is not null) await Database.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await RemoveAsync(_databaseName.Length > 0 ? _databaseName : null, RabbitMqUrl.Length > 0 ? RunId : null);
    }

    private static async Task RemoveAsync(string? database, string? vhost)
    {
        if (database is not null) await Attribution.LoadHarness.ReplayBenchmark.DropDatabaseAsync(_adminConnection, database);
        if (vhost is not null) await Management(HttpMethod.Delete, $"vhosts/{vhost}", null);
    }

    /// <summary>Configuration for a gateway or engine hosted by a test.</summary>
    public static Dictionary<string, string?> Configuration(string adminToken) => new()
    {
        ["RABBITMQ_URL"] = RabbitMqUrl,
        ["POSTGRES_CONNECTION"] = PostgresConnection,
        ["ATTRIBUTION_ADMIN_TOKEN"] = adminToken,
        ["ATTRIBUTION_GATEWAY_URL"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Warning",
        // Engines of a test serve no metrics unless the test gives one a free port: 9464 is the default for every engine.
        ["Metrics:ListenUrl"] = "",
    };

    private static async Task Management(HttpMethod method, string path, string? json)
    {
        using var response = await ManagementRequestAsync(method, path, json);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A GET of the run's broker management API (<c>api/</c> + <paramref name="path"/>); null when it does not answer 200.</summary>
    public static async Task<System.Text.Json.JsonElement?> ManagementGetAsync(string path)
    {
        using var response = await ManagementRequestAsync(HttpMethod.Get, path, null);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>() : null;
    }

    private static async Task<HttpResponseMessage> ManagementRequestAsync(HttpMethod method, string path, string? json)
    {
        var baseUrl = Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT_URL") ?? $"http://{_broker.Host}:15672";
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_broker.Username}:{_broker.Password}")));
        using var request = new HttpRequestMessage(method, $"{baseUrl}/api/{path}");
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await http.SendAsync(request);
    }

    private static async Task<bool> Reachable(string host, int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port).WaitAsync(TimeSpan.FromSeconds(3));
            return true;
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            return false;
        }
    }
}
