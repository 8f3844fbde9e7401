using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// A store's own web server on another origin than the gateway, as in production: it serves
/// the pages a test writes (the seed's queue snippet, then the SDK's script tag pointing at the
/// gateway), so the browser does real cross-origin requests and beacons.
/// </summary>
public sealed class TestStorefront : IAsyncDisposable
{
    /// <summary>The seed's tracking snippet, verbatim (../shared/seeds/001…).</summary>
    public const string QueueSnippet = """
          <!-- Alhena event tracking snippet -->
          <script>
            !(function (w) {
              w._alhenaEventQueue = w._alhenaEventQueue || [];
              w.trackAlhenaEvent =
                w.trackAlhenaEvent ||
                function (method, data) {
                  w._alhenaEventQueue.push({ method: method, args: data });
                };
            })(window);
          </script>
        """;

    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _pages = new(StringComparer.Ordinal);

    private TestStorefront(WebApplication app, Uri origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary>e.g. http://127.0.0.1:41234 (no trailing slash), for the company's allowedOrigins.</summary>
    public Uri Origin { get; }

    public string OriginText => Origin.GetLeftPart(UriPartial.Authority);

    public static async Task<TestStorefront> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        TestStorefront? store = null;
        app.MapGet("/{page}", (string page) =>
            store!._pages.TryGetValue(page, out var html) ? Results.Content(html, "text/html; charset=utf-8") : Results.NotFound());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        store = new TestStorefront(app, new Uri(address));
        return store;
    }

    /// <summary>
    /// Publishes a page: the queue snippet, then <paramref name="head"/> (calls made before the SDK
    /// loads), then the SDK's async script tag for <paramref name="companyKey"/>.
    /// </summary>
    public Uri Page(string name, Uri gateway, string companyKey, string head = "", string body = "")
    {
        _pages[name] = $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>{name}</title>
            {QueueSnippet}
              {head}
              <script src="{new Uri(gateway, "/sdk/v1/attribution.js")}" data-company-key="{companyKey}" async></script>
            </head>
            <body>{body}</body>
            </html>
            """;
        return new Uri(Origin, name);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
