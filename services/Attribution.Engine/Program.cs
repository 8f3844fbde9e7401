using Attribution.Engine;
using Attribution.Engine.Replay;
using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults;
using Attribution.ServiceDefaults.Database;
using Npgsql;

// The engine: recording (bus -> visitor streams), deciding (streams -> decisions), publishing
// (decisions -> bus) and the read models' projections. See EngineRegistration for what each part wires up.
//
//   dotnet Attribution.Engine.dll                     run the engine
//   dotnet Attribution.Engine.dll replay <companyKey>  re-decide a company under its current settings, rebuild its read models, then exit
var builder = Host.CreateApplicationBuilder(args);
builder.AddAttributionEngine();
using var host = builder.Build();

if (args is ["replay", var companyKey])
{
    try
    {
        await DatabaseExtensions.MigrateAllAsync(host.Services.GetRequiredService<NpgsqlDataSource>(),
            host.Services.GetRequiredService<CatalogDatabase>(), host.Services.GetRequiredService<CompanyDatabases>(), CancellationToken.None);
    }
    catch (SchemaNewerThanBuildException refused)
    {
        Console.Error.WriteLine(refused.Message);
        return SchemaFence.RefusedExitCode;
    }
    var changed = await host.Services.GetRequiredService<CompanyReplay>().RunAsync(companyKey, CancellationToken.None);
    Console.WriteLine($"Replay of {companyKey}: {changed} decisions changed. The running engine publishes AttributionRevised for outcome changes.");
    return 0;
}

return await host.RunServiceAsync();
