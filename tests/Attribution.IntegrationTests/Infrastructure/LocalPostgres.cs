using System.Diagnostics;
using Npgsql;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// Stops and starts the local PostgreSQL cluster that infra/services.sh runs (pg_ctlcluster 15 main),
/// for outage tests. Every pool is cleared after the restart: their connections died with the server.
/// </summary>
public static class LocalPostgres
{
    private const string PgCtlCluster = "/usr/bin/pg_ctlcluster";

    public static void IgnoreUnlessLocal()
    {
        if (!File.Exists(PgCtlCluster) || Environment.GetEnvironmentVariable("ATTRIBUTION_EXTERNAL_SERVICES") == "1")
            Assert.Ignore("needs the local PostgreSQL cluster from infra/services.sh");
    }

    public static Task StopAsync() => RunAsync("stop", "-m", "fast");

    public static async Task StartAsync()
    {
        await RunAsync("start");
        NpgsqlConnection.ClearAllPools();
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await using var cmd = TestServices.Database.CreateCommand("SELECT 1");
                return await cmd.ExecuteScalarAsync() is 1;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, up => up, TimeSpan.FromSeconds(60), "PostgreSQL to accept connections again");
    }

    private static async Task RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(PgCtlCluster) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "15", "main" }.Concat(args)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"pg_ctlcluster {string.Join(' ', args)}: {await process.StandardError.ReadToEndAsync()}");
    }
}
