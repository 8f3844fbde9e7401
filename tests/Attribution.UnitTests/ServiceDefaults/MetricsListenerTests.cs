using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Attribution.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace Attribution.UnitTests.ServiceDefaults;

public sealed class MetricsListenerTests
{
    private static IConfiguration Configuration(string? url) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [TelemetryExtensions.MetricsListenUrlKey] = url })
        .Build();

    [Test]
    public void An_empty_url_serves_no_metrics()
    {
        var services = new ServiceCollection();
        services.AddMetricsListener(Configuration(""));
        Assert.That(services, Is.Empty);
    }

    [TestCase("https://127.0.0.1:9464/")]
    [TestCase("127.0.0.1:9464")]
    [TestCase("localhost:9464")]
    public void A_url_that_is_not_plain_http_is_refused_at_start_up(string url) =>
        Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddMetricsListener(Configuration(url)));

    [Test]
    public async Task Metrics_are_served_under_the_urls_path()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var services = new ServiceCollection();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Attribution.UnitTests.Listener"));
        services.AddMetricsListener(Configuration($"http://127.0.0.1:{port}/engine/"));
        await using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<MeterProvider>();

        using var meter = new Meter("Attribution.UnitTests.Listener");
        meter.CreateCounter<long>("listener.test", "{call}").Add(3);

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/engine/metrics");
        Assert.That(text, Does.Contain("listener_test_total"));
    }
}
