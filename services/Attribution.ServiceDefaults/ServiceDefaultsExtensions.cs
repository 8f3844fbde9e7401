using Attribution.EventStore;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Database;
using Attribution.ServiceDefaults.Resilience;
using Attribution.ServiceDefaults.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Attribution.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// What every process of the system has: settings from the environment, the database (with
    /// migrations), the company directory, telemetry. The bus is added by each process, since
    /// each registers its own consumers.
    /// </summary>
    public static AttributionSettings AddAttributionDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        var settings = AttributionSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddAttributionResilience();
        builder.Services.AddAttributionDatabase(settings);
        builder.Services.AddSingleton<CompanyDirectory>();
        builder.Services.AddHostedService<CompanyChangeListener>();
        builder.Services.AddAttributionTelemetry(builder.Configuration, serviceName);
        builder.AddProductionLogLevels();
        return settings;
    }

    /// <summary>
    /// Runs a service's host to its end. A process refused by the schema fence, at start-up or
    /// later (even while other services were still starting), ends with
    /// <see cref="SchemaFence.RefusedExitCode"/>; any other with <see cref="Environment.ExitCode"/>.
    /// </summary>
    public static async Task<int> RunServiceAsync(this IHost host)
    {
        try
        {
            await host.RunAsync();
            return Environment.ExitCode;
        }
        catch (Exception ex) when (RefusedByTheSchemaFence(ex) || Environment.ExitCode == SchemaFence.RefusedExitCode)
        {
            return SchemaFence.RefusedExitCode;
        }
    }

    private static bool RefusedByTheSchemaFence(Exception ex) => ex switch
    {
        SchemaNewerThanBuildException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(RefusedByTheSchemaFence),
        _ => ex.InnerException is { } inner && RefusedByTheSchemaFence(inner),
    };

    /// <summary>
    /// ASP.NET Core logs six lines per request at Information; under load writing them cost more
    /// CPU than handling the request. Warning for it, as the ASP.NET Core templates' appsettings.json
    /// do, unless Logging__LogLevel__Microsoft.AspNetCore says otherwise.
    /// </summary>
    private static void AddProductionLogLevels(this IHostApplicationBuilder builder)
    {
        const string aspNetCore = "Microsoft.AspNetCore";
        if (builder.Configuration[$"Logging:LogLevel:{aspNetCore}"] is null)
            builder.Logging.AddFilter(aspNetCore, LogLevel.Warning);
    }
}
