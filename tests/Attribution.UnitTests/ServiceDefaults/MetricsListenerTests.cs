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

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Test]
    public async Task Metrics_on_every_address_answer_whatever_host_name_the_scraper_uses()
    {
        // As in compose: Metrics__ListenUrl=http://0.0.0.0:9464/, and Prometheus scrapes engine:9464.
        var port = FreePort();
        var services = new ServiceCollection();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter("Attribution.UnitTests.AnyHost"));
        services.AddMetricsListener(Configuration($"http://0.0.0.0:{port}/"));
        await using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<MeterProvider>();

        using var meter = new Meter("Attribution.UnitTests.AnyHost");
        meter.CreateCounter<long>("any_host.test", "{call}").Add(1);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/metrics");
        request.Headers.Host = $"engine:{port}";
        using var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("any_host_test_total"));
    }

    [Test]
    public async Task Metrics_are_served_under_the_urls_path()
    {
        var port = FreePort();
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
