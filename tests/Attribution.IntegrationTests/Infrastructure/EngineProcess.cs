using System.Diagnostics;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// An engine running as its own process (the built Attribution.Engine.dll beside the tests),
/// against the run's broker and database, so a test can kill it with SIGKILL: no graceful stop,
/// its unacknowledged messages go back to the queue and its open transactions roll back.
///
/// Supervised as <c>infra/up.sh</c> and compose's <c>restart: unless-stopped</c> do: when the engine
/// exits by itself (a crash), a fresh one is started. Only
/// <see cref="KillAsync"/> and <see cref="Dispose"/> stop it for good.
/// </summary>
public sealed class EngineProcess : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string?> _environment;
    private Process _process;
    private readonly List<int> _restarts = [];
    private bool _stopped;

    private EngineProcess(string name, Dictionary<string, string?> environment)
    {
        Name = name;
        _environment = environment;
        _process = Launch();
    }

    public string Name { get; }

    public bool HasExited
    {
        get { lock (_gate) return _stopped && _process.HasExited; }
    }

    /// <summary>Exit codes of the engine processes that ended by themselves and were started again.</summary>
    public IReadOnlyList<int> Restarts
    {
        get { lock (_gate) return [.. _restarts]; }
    }

    /// <param name="environment">Extra settings (e.g. <c>POSTGRES_CONNECTION</c>) on top of the run's configuration.</param>
    public static EngineProcess Start(string name, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var settings = TestServices.Configuration(RunningSystem.AdminToken)
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        settings["ENGINE_NAME"] = name;
        settings["DOTNET_ENVIRONMENT"] = "Test";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) settings[key] = value;
        return new EngineProcess(name, settings);
    }

    /// <summary>SIGKILL, then waits for the process to be gone; it is not started again.</summary>
    public async Task KillAsync()
    {
        Process process;
        lock (_gate)
        {
            _stopped = true;
            process = _process;
        }
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    private Process Launch()
    {
        var info = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Attribution.Engine.dll"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in _environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) TestContext.Progress.WriteLine($"[engine {Name}] {e.Data}"); };
        process.Exited += (_, _) => _ = RestartAsync(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // The supervisor's loop: a pause like up.sh's `sleep 2`, then a fresh engine, unless stopped meanwhile.
    private async Task RestartAsync(Process exited)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        lock (_gate)
        {
            if (_stopped || !ReferenceEquals(exited, _process)) return;
            _restarts.Add(exited.ExitCode);
            TestContext.Progress.WriteLine($"[engine {Name}] exited with {exited.ExitCode}; started again (supervised)");
            exited.Dispose();
            _process = Launch();
        }
    }
}
