using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using DotNet.Testcontainers.Builders;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Testcontainers.RabbitMq;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// A RabbitMQ of the test's own in a container (Testcontainers), for fault tests: stopping,
/// restarting or freezing it never disturbs the machine's shared broker or another test.
/// The image comes from <c>ATTRIBUTION_RABBITMQ_IMAGE</c>: the official <c>rabbitmq:3-management</c>
/// by default, the one infra/docker.sh builds from Debian packages where nothing can be pulled.
/// Without Docker the test is ignored, and fails with <c>CI=true</c>.
/// </summary>
public sealed class BrokerContainer : IAsyncDisposable
{
    public const string DefaultImage = "rabbitmq:3-management";
    private const string User = "guest";

    private readonly RabbitMqContainer _container;

    private BrokerContainer(RabbitMqContainer container, int amqpPort, int managementPort)
    {
        _container = container;
        var host = container.Hostname;
        RabbitMqUrl = $"amqp://{User}:{User}@{host}:{amqpPort}/";
        ManagementUrl = new Uri($"http://{host}:{managementPort}/");
    }

    public static string Image => Environment.GetEnvironmentVariable("ATTRIBUTION_RABBITMQ_IMAGE") is { Length: > 0 } image ? image : DefaultImage;

    public string RabbitMqUrl { get; }

    public Uri ManagementUrl { get; }

    /// <summary>Configuration for a gateway or an in-process engine on this broker.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["RABBITMQ_URL"] = RabbitMqUrl,
        ["Broker:ManagementUrl"] = ManagementUrl.ToString(),
    };

    /// <summary>The same as environment variables, for an engine process.</summary>
    public Dictionary<string, string?> EngineEnvironment() => Settings.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);

    public static async Task<BrokerContainer> StartAsync()
    {
        // Fixed host ports: a restarted container keeps its address, as a restarted broker does.
        int amqpPort = FreePort(), managementPort = FreePort();
        RabbitMqContainer container;
        try
        {
            container = new RabbitMqBuilder(Image)
                .WithUsername(User)
                .WithPassword(User)
                .WithPortBinding(amqpPort, RabbitMqBuilder.RabbitMqPort)
                .WithPortBinding(managementPort, 15672)
                .WithLabel("attribution.test", "true")
                .Build();
            await container.StartAsync();
        }
        catch (DockerUnavailableException ex)
        {
            DockerEngine.Missing("needs a Docker engine for a broker of its own: bash infra/docker.sh start (infra/test.sh does it under CI=true)", ex);
            throw;
        }
        var broker = new BrokerContainer(container, amqpPort, managementPort);
        await broker.WaitUntilServingAsync("the broker container to serve AMQP and its management API");
        return broker;
    }

    /// <summary>A plain RabbitMQ.Client connection, for looking at queues from the broker's side.</summary>
    public Task<IConnection> OpenConnectionAsync() => new ConnectionFactory { Uri = new Uri(RabbitMqUrl) }.CreateConnectionAsync();

    /// <summary>Stops the container (the broker shuts down, clients see their connections closed).</summary>
    public Task StopAsync() => _container.StopAsync();

    /// <summary>Starts the stopped container again and waits until it serves.</summary>
    public async Task StartAgainAsync()
    {
        await _container.StartAsync();
        await WaitUntilServingAsync("the restarted broker container to serve");
    }

    /// <summary>Freezes every process of the broker (docker pause): connections stay open, nothing answers.</summary>
    public Task PauseAsync() => DockerAsync("pause", _container.Id);

    public Task UnpauseAsync() => DockerAsync("unpause", _container.Id);

    public async ValueTask DisposeAsync() => await _container.DisposeAsync();

    private async Task WaitUntilServingAsync(string what) =>
        await Poll.UntilAsync(ServingAsync, up => up, TimeSpan.FromSeconds(60), what);

    private async Task<bool> ServingAsync()
    {
        try
        {
            await using (await OpenConnectionAsync()) { }
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{User}")));
            using var response = await http.GetAsync(new Uri(ManagementUrl, "api/overview"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or HttpRequestException or TaskCanceledException or IOException)
        {
            return false;
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The docker CLI for what Testcontainers' API leaves out (pause); DOCKER_API_VERSION comes from the environment.
    private static async Task DockerAsync(params string[] args)
    {
        var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"docker {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync()}");
    }
}
