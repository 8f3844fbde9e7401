using System.Net.Http.Headers;
using System.Net.Http.Json;
using Attribution.Engine;
using Attribution.Gateway;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// The gateway (on a real Kestrel port) and any number of engine instances, hosted in this test
/// process against the run's real broker and database. Engines can be stopped and started to
/// test restarts.
/// </summary>
public sealed class RunningSystem : IAsyncDisposable
{
    public const string AdminToken = "test-operator-token";

    private readonly WebApplication _gateway;
    private readonly List<IHost> _engines = [];

    private RunningSystem(WebApplication gateway, Uri baseAddress)
    {
        _gateway = gateway;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public HttpClient Http { get; }

    /// <summary>The engines (and subscribers) started here and still running.</summary>
    public IReadOnlyList<IHost> Engines => _engines;

    /// <param name="configureGateway">Service overrides for the gateway, applied after its own registrations.</param>
    /// <param name="engineSettings">Configuration for the engines started here, on top of the run's (e.g. <c>Metrics:ListenUrl</c>).</param>
    public static async Task<RunningSystem> StartAsync(int engines = 1, IReadOnlyDictionary<string, string?>? gatewaySettings = null,
        Action<IServiceCollection>? configureGateway = null, IReadOnlyDictionary<string, string?>? engineSettings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ApplicationName = "Attribution.Gateway" });
        builder.Configuration.AddInMemoryCollection(TestServices.Configuration(AdminToken));
        if (gatewaySettings is not null) builder.Configuration.AddInMemoryCollection(gatewaySettings);
        builder.AddAttributionGateway();
        configureGateway?.Invoke(builder.Services);
        var gateway = builder.Build();
        gateway.MapAttributionGateway();
        await gateway.StartAsync();

        var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var system = new RunningSystem(gateway, new Uri(address));
        for (var i = 0; i < engines; i++) await system.StartEngineAsync(settings: engineSettings);
        return system;
    }

    /// <param name="configure">Service overrides applied after the engine's own registrations (last one wins).</param>
    /// <param name="settings">Configuration on top of the run's, read by the engine's registrations.</param>
    public Task<IHost> StartEngineAsync(Action<IServiceCollection>? configure = null, IReadOnlyDictionary<string, string?>? settings = null) =>
        StartHostAsync(b =>
        {
            if (settings is not null) b.Configuration.AddInMemoryCollection(settings);
            b.AddAttributionEngine();
            configure?.Invoke(b.Services);
        }, "the engine");

    /// <summary>The sample downstream subscriber (services/Attribution.SampleSubscriber), with its queue bound.</summary>
    public Task<IHost> StartSubscriberAsync() =>
        StartHostAsync(b => Attribution.SampleSubscriber.SubscriberRegistration.AddSampleSubscriber(b), "the subscriber");

    /// <summary>An engine configured for the run's broker and database, not started: no bus, no daemon, its services alone.</summary>
    public static IHost BuildEngine() => BuildHost(b => b.AddAttributionEngine());

    /// <summary>The same, with configuration on top of the run's (another database, say).</summary>
    public static IHost BuildEngine(IReadOnlyDictionary<string, string?> settings) => BuildHost(b =>
    {
        b.Configuration.AddInMemoryCollection(settings);
        b.AddAttributionEngine();
    });

    private static IHost BuildHost(Action<HostApplicationBuilder> add)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(TestServices.Configuration(AdminToken));
        add(builder);
        return builder.Build();
    }

    // Starts a worker against the run's broker and database and waits until its queues are bound:
    // before that the gateway's mandatory publishes could not be routed to it.
    private async Task<IHost> StartHostAsync(Action<HostApplicationBuilder> add, string what)
    {
        var host = BuildHost(add);
        await host.StartAsync();
        _engines.Add(host);
        var bus = host.Services.GetRequiredService<MassTransit.IBusControl>();
        await Poll.UntilAsync(() => Task.FromResult(bus.CheckHealth().Status), s => s == MassTransit.BusHealthStatus.Healthy,
            TimeSpan.FromSeconds(30), $"{what}'s bus to be healthy (queues bound)");
        return host;
    }

    public async Task StopEngineAsync(IHost engine)
    {
        await engine.StopAsync();
        engine.Dispose();
        _engines.Remove(engine);
    }

    /// <summary>
    /// Publishes a message exactly as the gateway publishes an accepted event (confirmed, mandatory),
    /// bypassing its validation: for what only the engine or the store can refuse.
    /// </summary>
    public Task<bool> PublishAsAcceptedAsync<T>(T message, Guid eventId) where T : class =>
        _gateway.Services.GetRequiredService<Attribution.Gateway.Ingestion.Publishing.EventPublisher>()
            .TryPublishAsync(message, eventId, typeof(T).Name, typeof(T).GetProperty("CompanyKey")?.GetValue(message) as string ?? "", CancellationToken.None);

    /// <summary>Publishes messages as one <see cref="Attribution.Contracts.Ingestion.EventBatchReceived"/>, exactly as the batch endpoint does (confirmed, mandatory), bypassing its validation.</summary>
    public Task<bool> PublishBatchAsAcceptedAsync(params object[] messages) =>
        _gateway.Services.GetRequiredService<Attribution.Gateway.Ingestion.Publishing.EventPublisher>()
            .TryPublishBatchAsync([.. messages.Select(Attribution.ServiceDefaults.Messaging.BatchedEvents.Of)],
                messages.Select(m => m.GetType().GetProperty("CompanyKey")?.GetValue(m) as string).FirstOrDefault() ?? "", CancellationToken.None);

    /// <summary>Creates a company through the admin API and returns a client for its server and its storefront.</summary>
    public async Task<TestCompany> CreateCompanyAsync(string name = "Test store", string currency = "USD", int windowHours = 24,
        string[]? allowedOrigins = null, string timeZone = "UTC")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/companies")
        {
            Content = JsonContent.Create(new { name, reportingCurrency = currency, attributionWindowHours = windowHours, allowedOrigins, timeZone }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<CreatedCompanyDto>())!;
        return new TestCompany(created.CompanyKey, created.ApiSecret, Http);
    }

    /// <summary>Sends an operator request (Bearer admin token) and returns the response.</summary>
    public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var engine in _engines.ToList()) await StopEngineAsync(engine);
        Http.Dispose();
        await _gateway.StopAsync();
        await _gateway.DisposeAsync();
    }

    private sealed record CreatedCompanyDto(string CompanyKey, string ApiSecret);
}

public sealed record TestCompany(string CompanyKey, string ApiSecret, HttpClient Http)
{
    /// <summary>POST as the storefront would (X-Company-Key).</summary>
    public async Task<HttpResponseMessage> PostAsBrowserAsync(string path, object body, Action<HttpRequestMessage>? customize = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Company-Key", CompanyKey);
        customize?.Invoke(request);
        return await Http.SendAsync(request);
    }

    /// <summary>POST as the store's server would (Bearer apiSecret).</summary>
    public async Task<HttpResponseMessage> PostAsServerAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiSecret);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsServerAsync(string path) => SendAsServerAsync(HttpMethod.Get, path);

    /// <summary>A request without a body as the store's server would send it (Bearer apiSecret): GET, DELETE.</summary>
    public async Task<HttpResponseMessage> SendAsServerAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiSecret);
        return await Http.SendAsync(request);
    }

    /// <summary>POST /v1/replay (asserting 202), then waits until it completed or failed and returns its last status.</summary>
    public async Task<System.Text.Json.JsonElement> ReplayAsync(TimeSpan? timeout = null)
    {
        using var response = await PostAsServerAsync("/v1/replay", new { });
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.Accepted));
        var replayId = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("replayId").GetString();
        return await Poll.UntilAsync(() => GetJsonAsync($"/v1/replay/{replayId}"), s => s.GetProperty("status").GetString() is "completed" or "failed",
            timeout ?? TimeSpan.FromSeconds(30), "the replay to finish");
    }

    /// <summary>GET as the store's server, asserting 200, and the JSON answer.</summary>
    public async Task<System.Text.Json.JsonElement> GetJsonAsync(string path)
    {
        using var response = await GetAsServerAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.OK), body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.Clone();
    }
}
