using Attribution.Engine;
using Attribution.Engine.Databases;
using Attribution.Engine.Replay;
using Attribution.EventStore;
using Attribution.ServiceDefaults;
using Attribution.ServiceDefaults.Database;

// The engine: recording (bus -> visitor streams), deciding (streams -> decisions), publishing
// (decisions -> bus) and the read models' projections. See EngineRegistration for what each part wires up.
//
//   dotnet Attribution.Engine.dll                     run the engine
//   dotnet Attribution.Engine.dll replay <companyKey>  re-decide a company under its current settings, rebuild its read models, then exit
//   dotnet Attribution.Engine.dll databases [...]      the pool of company databases (DatabasePoolCommands.Usage)
var builder = Host.CreateApplicationBuilder(args);
builder.AddAttributionEngine();
using var host = builder.Build();

if (args is ["replay", _] or ["databases", ..])
{
    try
    {
        await DatabaseExtensions.MigrateAllAsync(host.Services, CancellationToken.None);
    }
    catch (SchemaNewerThanBuildException refused)
    {
        Console.Error.WriteLine(refused.Message);
        return SchemaFence.RefusedExitCode;
    }
    if (args is ["databases", .. var command]) return await DatabasePoolCommands.RunAsync(host.Services, command, Console.Out, CancellationToken.None);

    var companyKey = args[1];
    var changed = await host.Services.GetRequiredService<CompanyReplay>().RunAsync(companyKey, CancellationToken.None);
    Console.WriteLine($"Replay of {companyKey}: {changed} decisions changed. The running engine publishes AttributionRevised for outcome changes.");
    return 0;
}

return await host.RunServiceAsync();
