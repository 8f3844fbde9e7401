using Attribution.SampleSubscriber;
using Attribution.ServiceDefaults;

// An example downstream service: subscribes to RevenueAttributed and AttributionRevised and keeps
// each once (see RevenueMessagesConsumer). Copy it as the start of your own integration.
var builder = Host.CreateApplicationBuilder(args);
builder.AddSampleSubscriber();
return await builder.Build().RunServiceAsync();
