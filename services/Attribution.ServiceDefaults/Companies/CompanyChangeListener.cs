using Attribution.ServiceDefaults.Database;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Attribution.ServiceDefaults.Companies;

/// <summary>Drops cached companies when any instance changes one (LISTEN on <see cref="CompanyDirectory.ChangeChannel"/>).</summary>
public sealed class CompanyChangeListener(NpgsqlDataSource dataSource, CompanyDirectory companies, ILogger<CompanyChangeListener> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PostgresNotifications.ListenAsync(dataSource, CompanyDirectory.ChangeChannel, companies.Invalidate, () => { }, logger, stoppingToken);
}
