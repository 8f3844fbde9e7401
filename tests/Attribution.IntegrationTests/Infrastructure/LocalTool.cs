using System.Diagnostics;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>Runs a local service's control tool (rabbitmqctl, pg_ctlcluster) and asserts it succeeded.</summary>
internal static class LocalTool
{
    public static async Task RunAsync(string path, params string[] args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"{Path.GetFileName(path)} {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync()}");
    }
}
