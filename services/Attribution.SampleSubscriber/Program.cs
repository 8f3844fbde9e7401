using Attribution.SampleSubscriber;

// An example downstream service: subscribes to RevenueAttributed and AttributionRevised and keeps
// each once (see RevenueMessagesConsumer). Copy it as the start of your own integration.
var builder = Host.CreateApplicationBuilder(args);
builder.AddSampleSubscriber();
await builder.Build().RunAsync();
