using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Scaling;

/// <summary>
/// A three-node RabbitMQ cluster of the test's own, made by infra/broker-cluster.sh (the operator's
/// recipe, so the test exercises it too) under a name and free ports of its own; removed on dispose.
/// Without Docker the test is ignored, and fails with <c>CI=true</c>.
/// </summary>
public sealed class BrokerCluster : IAsyncDisposable
{
    private const string User = "guest";

    private readonly Dictionary<string, string?> _environment;
    private readonly int[] _managementPorts;

    private BrokerCluster(string name, Dictionary<string, string?> environment, int[] managementPorts, IReadOnlyDictionary<string, string?> settings)
    {
        Name = name;
        _environment = environment;
        _managementPorts = managementPorts;
        Settings = settings;
    }

    public string Name { get; }

    /// <summary>The client settings the script printed (RABBITMQ_URL, Broker:Nodes, Broker:QueueType, Broker:ManagementUrl).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The container (and Erlang host) name of node 1, 2 or 3.</summary>
    public string NodeName(int node) => $"{Name}-{node}";

    public static async Task<BrokerCluster> StartAsync()
    {
        try
        {
            await RunAsync(new Dictionary<string, string?>(), TimeSpan.FromSeconds(30), "docker", "info");
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            DockerEngine.Missing("needs a Docker engine for a broker cluster of its own: bash infra/docker.sh start (infra/test.sh does it under CI=true)", ex);
            throw;
        }

        var name = $"attribution-test-{Guid.NewGuid().ToString("N")[..6]}";
        int[] amqp = [BrokerContainer.FreePort(), BrokerContainer.FreePort(), BrokerContainer.FreePort()];
        int[] management = [BrokerContainer.FreePort(), BrokerContainer.FreePort(), BrokerContainer.FreePort()];
        var environment = new Dictionary<string, string?>
        {
            ["BROKER_CLUSTER_NAME"] = name,
            ["BROKER_CLUSTER_AMQP_PORTS"] = string.Join(' ', amqp),
            ["BROKER_CLUSTER_MANAGEMENT_PORTS"] = string.Join(' ', management),
            ["BROKER_CLUSTER_TEST"] = "1",
            ["DOCKER_TIMEOUT"] = "150",
        };
        string output;
        try
        {
            output = await RunAsync(environment, TimeSpan.FromMinutes(4), "bash", Script, "up");
        }
        catch
        {
            await RunAsync(environment, TimeSpan.FromMinutes(1), "bash", Script, "down");
            throw;
        }
        // KEY=value lines; Broker__Nodes is Broker:Nodes in configuration.
        var settings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2)).Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0].Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv[1]);
        Assert.That(settings.Keys, Is.SupersetOf(new[] { "RABBITMQ_URL", "Broker:Nodes", "Broker:QueueType" }), output);
        return new BrokerCluster(name, environment, management, settings);
    }

    /// <summary>Stops node 1, 2 or 3 (docker stop: the node shuts down, its clients' connections close).</summary>
    public Task StopNodeAsync(int node) => RunAsync(_environment, TimeSpan.FromMinutes(1), "bash", Script, "stop-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Starts a stopped node again and waits until it is back in the cluster.</summary>
    public Task StartNodeAsync(int node) => RunAsync(_environment, TimeSpan.FromMinutes(3), "bash", Script, "start-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A GET on the management API of a node (any running node answers for the whole cluster).</summary>
    public async Task<JsonElement> ManagementAsync(int node, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{User}")));
        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{_managementPorts[node - 1]}/api/{path}"));
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync() => await RunAsync(_environment, TimeSpan.FromMinutes(1), "bash", Script, "down");

    private static string Script
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Attribution.sln"))) directory = directory.Parent;
            Assert.That(directory, Is.Not.Null, "the repository root (Attribution.sln) above the test's output folder");
            return Path.Combine(directory!.FullName, "infra", "broker-cluster.sh");
        }
    }

    // Runs a command to its end (or the timeout) and returns its standard output; its standard error goes to the test's log.
    private static async Task<string> RunAsync(Dictionary<string, string?> environment, TimeSpan timeout, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in {timeout}: {await stderr}");
        }
        var error = await stderr;
        if (error.Length > 0) TestContext.Progress.WriteLine(error.TrimEnd());
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {error}");
        return await stdout;
    }
}
