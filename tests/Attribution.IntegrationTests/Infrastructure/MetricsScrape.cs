using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>Reads a service's /metrics (Prometheus' text format) the way a scraper would.</summary>
internal static class MetricsScrape
{
    /// <summary>The /metrics text, or empty while the endpoint does not answer.</summary>
    public static async Task<string> ScrapeAsync(HttpClient http)
    {
        try
        {
            using var r = await http.GetAsync("/metrics");
            return r.StatusCode == HttpStatusCode.OK ? await r.Content.ReadAsStringAsync() : "";
        }
        catch (HttpRequestException)
        {
            return "";
        }
    }

    /// <summary>A metric's samples: the labels between the braces and the value.</summary>
    public static List<(string Labels, double Value)> Samples(string text, string metric) =>
        text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) || l.StartsWith(metric + " ", StringComparison.Ordinal))
            .Select(l =>
            {
                var close = l.LastIndexOf('}');
                var labels = close < 0 ? "" : l[(metric.Length + 1)..close];
                var value = l[(close < 0 ? metric.Length : close + 1)..].Trim().Split(' ')[0];
                return (labels, double.Parse(value, CultureInfo.InvariantCulture));
            })
            .ToList();

    /// <summary>The sum of a metric's samples whose labels contain <paramref name="label"/> (e.g. <c>company="x"</c>).</summary>
    public static double Sum(string text, string metric, string label) =>
        Samples(text, metric).Where(x => x.Labels.Contains(label, StringComparison.Ordinal)).Sum(x => x.Value);

    /// <summary>The value of the one sample whose labels contain <paramref name="label"/>, or null when it has no series.</summary>
    public static double? Gauge(string text, string metric, string label) =>
        Samples(text, metric).Where(x => x.Labels.Contains(label, StringComparison.Ordinal)).Select(x => (double?)x.Value).FirstOrDefault();

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
