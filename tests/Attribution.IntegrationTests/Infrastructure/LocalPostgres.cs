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

    public static Task StopAsync() => LocalTool.RunAsync(PgCtlCluster, "15", "main", "stop", "-m", "fast");

    public static async Task StartAsync()
    {
        await LocalTool.RunAsync(PgCtlCluster, "15", "main", "start");
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
}
