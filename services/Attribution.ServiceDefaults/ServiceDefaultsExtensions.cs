using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Database;
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
        builder.Services.AddAttributionDatabase(settings);
        builder.Services.AddSingleton<CompanyDirectory>();
        builder.Services.AddHostedService<CompanyChangeListener>();
        builder.Services.AddAttributionTelemetry(builder.Configuration, serviceName);
        builder.AddProductionLogLevels();
        return settings;
    }

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
