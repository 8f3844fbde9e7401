using Attribution.Engine;

// The engine: the attribution consumer (bus -> visitor streams) and the revenue projector
// (streams -> read models). See EngineRegistration for what each unit wires up.
var builder = Host.CreateApplicationBuilder(args);
builder.AddAttributionEngine();
await builder.Build().RunAsync();
