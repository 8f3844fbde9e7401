using System.Text.RegularExpressions;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Telemetry;

namespace Attribution.UnitTests.Infra;

/// <summary>
/// Prometheus scrapes where the services really listen: infra/prometheus.yml (infra/up.sh) at the
/// code's default addresses, infra/prometheus.docker.yml (docker-compose.yml) at the ports the compose
/// file gives the gateway and the engine.
/// </summary>
public sealed partial class PrometheusConfigTests
{
    private static readonly Lazy<string> RepositoryRoot = new(() =>
    {
        var start = Path.GetDirectoryName(typeof(PrometheusConfigTests).Assembly.Location) ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Attribution.sln"))) return dir.FullName;
        throw new InvalidOperationException("No folder holding Attribution.sln above " + start);
    });

    private static string Read(string path) => File.ReadAllText(Path.Combine(RepositoryRoot.Value, path));

    [Test]
    public void Up_sh_prometheus_scrapes_the_gateway_and_the_engine_at_their_default_addresses()
    {
        var jobs = Jobs(Read("infra/prometheus.yml"));
        var gateway = new Uri(AttributionSettings.DefaultGatewayUrl);
        var engine = new Uri(TelemetryExtensions.DefaultMetricsListenUrl);
        Assert.Multiple(() =>
        {
            Assert.That(jobs["attribution-gateway"], Is.EqualTo(($"{gateway.Host}:{gateway.Port}", "/metrics")), "ATTRIBUTION_GATEWAY_URL's default; /metrics is mapped at the root");
            Assert.That(jobs["attribution-engine"], Is.EqualTo(($"{engine.Host}:{engine.Port}", engine.AbsolutePath.TrimEnd('/') + "/metrics")), "Metrics__ListenUrl's default");
        });
    }

    [Test]
    public void Compose_prometheus_scrapes_the_ports_compose_gives_the_gateway_and_the_engine()
    {
        var compose = Read("docker-compose.yml");
        var jobs = Jobs(Read("infra/prometheus.docker.yml"));
        var gateway = new Uri(Setting(compose, "gateway", "ASPNETCORE_URLS"));
        var engine = new Uri(Setting(compose, "engine", "Metrics__ListenUrl"));
        Assert.Multiple(() =>
        {
            Assert.That(gateway.Host, Is.EqualTo("0.0.0.0"), "the gateway listens on every address of its container");
            Assert.That(engine.Host, Is.EqualTo("0.0.0.0"), "the engine's metrics listen on every address of its container");
            Assert.That(jobs["attribution-gateway"], Is.EqualTo(($"gateway:{gateway.Port}", "/metrics")));
            Assert.That(jobs["attribution-engine"], Is.EqualTo(($"engine:{engine.Port}", engine.AbsolutePath.TrimEnd('/') + "/metrics")));
            Assert.That(Service(compose, "prometheus"), Does.Contain("./infra/prometheus.docker.yml:/etc/prometheus/prometheus.yml"),
                "compose's prometheus service reads this file");
        });
    }

    /// <summary>Job name → (its one target, metrics path), from a scrape configuration.</summary>
    private static Dictionary<string, (string Target, string Path)> Jobs(string yaml) =>
        JobPattern().Matches(yaml).ToDictionary(m => m.Groups["job"].Value, m =>
        {
            var path = MetricsPathPattern().Match(m.Value);
            return (m.Groups["target"].Value, path.Success ? path.Groups["path"].Value : "/metrics");
        });

    /// <summary>The lines of a top-level service of a compose file, up to the next service.</summary>
    private static string Service(string compose, string name)
    {
        var match = Regex.Match(compose, $@"^  {Regex.Escape(name)}:\s*\n(?<body>(?:(?:    .*)?\n)*)", RegexOptions.Multiline);
        Assert.That(match.Success, $"docker-compose.yml has no service {name}");
        return match.Groups["body"].Value;
    }

    private static string Setting(string compose, string service, string variable)
    {
        var match = Regex.Match(Service(compose, service), $@"^\s+{Regex.Escape(variable)}:\s*(?<value>\S+)", RegexOptions.Multiline);
        Assert.That(match.Success, $"{service} sets no {variable} in docker-compose.yml");
        return match.Groups["value"].Value;
    }

    [GeneratedRegex(@"job_name:\s*(?<job>\S+)(?<body>[\s\S]*?)targets:\s*\[\s*""(?<target>[^""]+)""\s*\]")]
    private static partial Regex JobPattern();

    [GeneratedRegex(@"metrics_path:\s*(?<path>\S+)")]
    private static partial Regex MetricsPathPattern();
}
