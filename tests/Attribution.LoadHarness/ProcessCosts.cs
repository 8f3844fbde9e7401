using System.Globalization;

namespace Attribution.LoadHarness;

/// <summary>
/// What a phase of the run cost each component on this machine, read from Linux's /proc: CPU time
/// (user + system) and bytes written to storage, summed over every process of the component (several
/// engines or gateways, every PostgreSQL backend, containerised nodes too, since the host sees their
/// processes). Per accepted event, these are the measured inputs of the capacity model (docs/scaling.md).
/// A process that exits within the phase takes its share with it, except PostgreSQL backends, which
/// the postmaster's reaped-children times keep.
/// </summary>
public static class ProcessCosts
{
    // USER_HZ: the unit of /proc/<pid>/stat times, 100 on every Linux build this runs on.
    private const double TicksPerSecond = 100;

    private static readonly (string Name, Func<int, string, string, bool> Matches)[] Components =
    [
        ("gateway", (_, _, cmd) => cmd.Contains("Attribution.Gateway", StringComparison.Ordinal)),
        ("engine", (_, _, cmd) => cmd.Contains("Attribution.Engine", StringComparison.Ordinal)),
        ("RabbitMQ", (_, comm, _) => comm == "beam.smp"),
        ("PostgreSQL", (_, comm, _) => comm is "postgres" or "postmaster"),
        ("load client", (pid, _, _) => pid == Environment.ProcessId),
    ];

    public sealed record Usage(int Processes, double CpuSeconds, long WrittenBytes);

    public sealed record Snapshot(DateTime AtUtc, IReadOnlyDictionary<string, Usage> Components, double MachineBusySeconds, double MachineSeconds);

    /// <summary>One component's cost over a phase: per accepted event, and in cores used on average.</summary>
    public sealed record ComponentCost(string Component, int Processes, double CpuMicrosecondsPerEvent, double WrittenBytesPerEvent, double Cores);

    public sealed record PhaseCost(string Phase, long Events, double Seconds, double MachineBusyShare, IReadOnlyList<ComponentCost> Components);

    public static bool Available => File.Exists("/proc/stat");

    public static Snapshot Take()
    {
        var usages = Components.ToDictionary(c => c.Name, _ => new Usage(0, 0, 0));
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // The command name is in parentheses and may hold spaces: fields are counted after its ')'.
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var comm = stat[(open + 1)..close];
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var component = Components.FirstOrDefault(c => c.Matches(pid, comm, cmd)).Name;
                if (component is null) continue;
                var fields = stat[(close + 2)..].Split(' ');
                // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the command name.
                var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                if (component == "PostgreSQL")
                    ticks += double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
                var u = usages[component];
                usages[component] = new Usage(u.Processes + 1, u.CpuSeconds + ticks / TicksPerSecond, u.WrittenBytes + WrittenBytes(dir));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or ArgumentOutOfRangeException)
            {
                // The process ended while it was read.
            }
        }
        var (busy, all) = MachineTime();
        return new Snapshot(DateTime.UtcNow, usages, busy, all);
    }

    public static PhaseCost Between(string phase, Snapshot before, Snapshot after, long events)
    {
        var seconds = (after.AtUtc - before.AtUtc).TotalSeconds;
        var machine = after.MachineSeconds - before.MachineSeconds;
        var costs = Components.Select(c =>
        {
            var (a, b) = (after.Components[c.Name], before.Components[c.Name]);
            var cpu = Math.Max(0, a.CpuSeconds - b.CpuSeconds);
            var written = Math.Max(0, a.WrittenBytes - b.WrittenBytes);
            return new ComponentCost(c.Name, a.Processes, events > 0 ? cpu * 1e6 / events : 0, events > 0 ? (double)written / events : 0,
                seconds > 0 ? cpu / seconds : 0);
        }).ToList();
        return new PhaseCost(phase, events, seconds, machine > 0 ? (after.MachineBusySeconds - before.MachineBusySeconds) / machine : 0, costs);
    }

    // /proc/<pid>/io needs the same user or root; unreadable counts as nothing written.
    private static long WrittenBytes(string dir)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(dir, "io")))
                if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                    return long.Parse(line["write_bytes:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        return 0;
    }

    // The first line of /proc/stat: every core's time in each state; idle and iowait are not busy.
    private static (double Busy, double All) MachineTime()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var all = fields.Take(8).Sum();
        var idle = fields[3] + fields[4];
        return ((all - idle) / TicksPerSecond, all / TicksPerSecond);
    }
}
