using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.ServiceDefaults.Companies;

/// <summary>Drops cached companies when any instance changes one (LISTEN on <see cref="CompanyDirectory.ChangeChannel"/>).</summary>
public sealed class CompanyChangeListener(NpgsqlDataSource dataSource, CompanyDirectory companies, ILogger<CompanyChangeListener> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => companies.Invalidate(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {CompanyDirectory.ChangeChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Company change listener lost its connection; reconnecting");
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
