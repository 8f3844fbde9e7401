using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Attribution.LoadHarness;

/// <summary>One measured throughput: how many events in how long, and how it was measured.</summary>
public sealed record Figure(string Name, long Events, double Seconds, string How)
{
    public double EventsPerSecond => Seconds > 0 ? Events / Seconds : 0;
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Latency(int Samples, double P50, double P99, double Max)
{
    public static Latency Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0) return new Latency(0, double.NaN, double.NaN, double.NaN);
        var sorted = milliseconds.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Latency(sorted.Length, At(0.50), At(0.99), sorted[^1]);
    }
}

/// <summary>A performance target (docs/performance.md) against what this run measured; Met is null when this run does not judge it (a pinned rate, no replay).</summary>
public sealed record Target(string What, string Goal, string Measured, bool? Met);

public sealed record LoadReport(
    string Machine, DateTimeOffset At, IReadOnlyList<Figure> Figures, IReadOnlyDictionary<string, Latency> Latencies, IReadOnlyList<Target> Targets,
    IReadOnlyList<ProcessCosts.PhaseCost>? Costs = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals, // NaN when a phase had no samples
    };

    public async Task WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "load.json"),
            JsonSerializer.Serialize(this, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "load.md"), Markdown());
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Load harness, {At:yyyy-MM-dd HH:mm} UTC, {Machine}; gateway, engine, RabbitMQ, PostgreSQL and the harness on the same machine.");
        md.AppendLine();
        md.AppendLine("| target | goal | measured | met |").AppendLine("| --- | --- | --- | --- |");
        foreach (var t in Targets) md.AppendLine(CultureInfo.InvariantCulture, $"| {t.What} | {t.Goal} | {t.Measured} | {t.Met switch { true => "yes", false => "**no**", null => "not judged" }} |");
        md.AppendLine();
        md.AppendLine("| figure | events | seconds | events/s | how |").AppendLine("| --- | ---: | ---: | ---: | --- |");
        foreach (var f in Figures) md.AppendLine(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Events:N0} | {f.Seconds:0.00} | {f.EventsPerSecond:N0} | {f.How} |");
        md.AppendLine();
        md.AppendLine("| latency (ms) | samples | p50 | p99 | max |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, l) in Latencies) md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {l.Samples:N0} | {l.P50:0.0} | {l.P99:0.0} | {l.Max:0.0} |");
        foreach (var phase in Costs ?? [])
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Cost per accepted event, {phase.Phase} ({phase.Events:N0} events in {phase.Seconds:0.0} s; the machine's cores {100 * phase.MachineBusyShare:0} % busy):");
            md.AppendLine();
            md.AppendLine("| component | processes | CPU µs per event | bytes written per event | cores used |").AppendLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var c in phase.Components)
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.Component} | {c.Processes} | {c.CpuMicrosecondsPerEvent:N0} | {c.WrittenBytesPerEvent:N0} | {c.Cores:0.00} |");
        }
        return md.ToString();
    }
}
