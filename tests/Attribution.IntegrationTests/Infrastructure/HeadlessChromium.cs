using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's Chromium driven headless through chromedriver (both installed by infra/test.sh), with
/// the browser's console and its network log kept for assertions: what the page really logged and
/// really sent, beacons included, across page loads.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
    private static readonly string ChromeDriverPath = Environment.GetEnvironmentVariable("CHROMEDRIVER_PATH") ?? "/usr/bin/chromedriver";

    private readonly List<(string Level, string Message)> _console = [];
    private readonly Dictionary<string, BrowserRequest> _requests = [];
    private readonly List<string> _requestOrder = [];

    private HeadlessChromium(ChromeDriver driver) => Driver = driver;

    public ChromeDriver Driver { get; }

    public static HeadlessChromium Start(string windowSize = "1366,2200")
    {
        Assert.That(File.Exists(Chromium) && File.Exists(ChromeDriverPath), Is.True,
            $"Chromium ({Chromium}) and chromedriver ({ChromeDriverPath}) are needed: infra/test.sh installs them (apt: chromium chromium-driver).");
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", $"--window-size={windowSize}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        options.SetLoggingPreference("performance", LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        return new HeadlessChromium(new ChromeDriver(service, options, TimeSpan.FromSeconds(60)));
    }

    /// <summary>Everything the pages wrote to the console so far (level, text).</summary>
    public IReadOnlyList<(string Level, string Message)> Console { get { Collect(); return _console.ToList(); } }

    /// <summary>Every request the pages made so far, in the order they started, with their answer when one came.</summary>
    public IReadOnlyList<BrowserRequest> Requests { get { Collect(); return _requestOrder.Select(id => _requests[id]).ToList(); } }

    /// <summary>The POSTs to the gateway's batch endpoint (CORS preflights left out).</summary>
    public IReadOnlyList<BrowserRequest> Batches =>
        Requests.Where(r => r.Method == "POST" && r.Url.Contains("/v1/events/batch", StringComparison.Ordinal)).ToList();

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    /// <summary>Waits for the SDK on the current page (<c>window.attribution</c>).</summary>
    public Task WaitForSdkAsync() =>
        Poll.UntilAsync(() => Task.FromResult(Script("return !!(window.attribution && window.attribution.version);") as bool?), v => v == true,
            TimeSpan.FromSeconds(20), "the SDK to load on " + Driver.Url);

    /// <summary>Asks the SDK to send what it holds now and returns how many events it still keeps.</summary>
    public long Flush() => (long)(Driver.ExecuteAsyncScript("var done = arguments[arguments.length - 1]; window.attribution.flush().then(done, function () { done(-1); });") ?? -1L);

    public long StoredQueueLength() =>
        (long)Script("var q = JSON.parse(localStorage.getItem('attribution.queue') || '[]'); return q.length;")!;

    public string UserFingerprint() => (string)Script("return window.attribution.fingerprints().userFingerprint;")!;

    // chromedriver hands each log out once: gather them here so every assertion sees the whole history.
    private void Collect()
    {
        foreach (var entry in Driver.Manage().Logs.GetLog(LogType.Browser))
            _console.Add((entry.Level.ToString(), entry.Message));
        foreach (var entry in Driver.Manage().Logs.GetLog("performance"))
        {
            using var doc = JsonDocument.Parse(entry.Message);
            var message = doc.RootElement.GetProperty("message");
            var method = message.GetProperty("method").GetString();
            var p = message.GetProperty("params");
            if (method == "Network.requestWillBeSent")
            {
                var id = p.GetProperty("requestId").GetString()!;
                var request = p.GetProperty("request");
                if (!_requests.ContainsKey(id)) _requestOrder.Add(id); // a redirect reuses the id
                _requests[id] = new BrowserRequest(
                    request.GetProperty("url").GetString()!,
                    request.GetProperty("method").GetString()!,
                    p.TryGetProperty("type", out var type) ? type.GetString() ?? "" : "",
                    request.TryGetProperty("postData", out var body) ? body.GetString() : PostDataEntries(request),
                    null);
            }
            else if (method == "Network.responseReceived" && _requests.TryGetValue(p.GetProperty("requestId").GetString()!, out var sent))
            {
                _requests[p.GetProperty("requestId").GetString()!] = sent with { Status = p.GetProperty("response").GetProperty("status").GetInt32() };
            }
        }
    }

    // Bodies given as a Blob (sendBeacon) come as base64 entries rather than postData.
    private static string? PostDataEntries(JsonElement request)
    {
        if (!request.TryGetProperty("postDataEntries", out var entries)) return null;
        var bytes = entries.EnumerateArray().Where(e => e.TryGetProperty("bytes", out _)).SelectMany(e => Convert.FromBase64String(e.GetProperty("bytes").GetString()!)).ToArray();
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}

/// <summary>One request a page made: its ResourceType ("Fetch", "Ping" for sendBeacon, …), body and status.</summary>
public sealed record BrowserRequest(string Url, string Method, string Type, string? Body, int? Status)
{
    /// <summary>The events of a batch request, in the order the page sent them.</summary>
    public IReadOnlyList<JsonElement> Events() =>
        Body is null ? [] : JsonDocument.Parse(Body).RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
}
