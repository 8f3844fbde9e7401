using Attribution.Gateway;
using Attribution.ServiceDefaults;

// The gateway: the one base URL of the system (contract §2–§7).
// Wiring: GatewayRegistration.AddAttributionGateway; routes: GatewayRegistration.MapAttributionGateway.
var builder = WebApplication.CreateBuilder(args);
builder.AddAttributionGateway();

var app = builder.Build();
app.MapAttributionGateway();
return await app.RunServiceAsync();
