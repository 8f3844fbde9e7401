using System.Diagnostics;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// An engine running as its own process (the built Attribution.Engine.dll beside the tests),
/// against the run's broker and database, so a test can kill it with SIGKILL: no graceful stop,
/// its unacknowledged messages go back to the queue and its open transactions roll back.
/// </summary>
public sealed class EngineProcess : IDisposable
{
    private readonly Process _process;

    private EngineProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static EngineProcess Start(string name)
    {
        var info = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "Attribution.Engine.dll"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in TestServices.Configuration(RunningSystem.AdminToken)) info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        info.Environment["ENGINE_NAME"] = name;
        info.Environment["DOTNET_ENVIRONMENT"] = "Test";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) TestContext.Progress.WriteLine($"[engine {name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new EngineProcess(name, process);
    }

    /// <summary>SIGKILL, then waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
