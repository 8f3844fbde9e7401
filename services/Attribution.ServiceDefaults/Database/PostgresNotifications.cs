using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.ServiceDefaults.Database;

/// <summary>LISTEN on a PostgreSQL channel for as long as the process runs, reconnecting with backoff.</summary>
public static class PostgresNotifications
{
    /// <param name="onListening">Runs after every (re)subscription: what was sent while not listening is lost, so catch up here.</param>
    public static async Task ListenAsync(
        NpgsqlDataSource dataSource, string channel, Action<string> onNotification, Action onListening, ILogger logger, CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                connection.Notification += (_, e) => onNotification(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                failures = 0;
                onListening();
                while (!ct.IsCancellationRequested) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                logger.LogWarning(ex, "Listener on {Channel} lost its connection; reconnecting", channel);
                try { await Task.Delay(Backoff(failures), ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    internal static TimeSpan Backoff(int failures) => TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * Math.Pow(2, failures)));
}
