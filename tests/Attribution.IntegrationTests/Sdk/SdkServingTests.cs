using System.Net;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Sdk;

/// <summary>The gateway serves the browser SDK with the one rule table inlined (contract §8).</summary>
[NonParallelizable]
public sealed class SdkServingTests
{
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync(engines: 0);

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task The_sdk_is_javascript_with_the_rule_and_currency_tables_inlined_and_cacheable()
    {
        using var response = await _system.Http.GetAsync("/sdk/v1/attribution.js");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/javascript"));
        var script = await response.Content.ReadAsStringAsync();
        Assert.That(script, Does.Not.Contain("/*@RULES@*/").And.Not.Contain("/*@CURRENCIES@*/"));
        Assert.That(script, Does.Contain("\"QUANTITY_DECREASED\"").And.Contain("\"fingerprintPattern\"").And.Contain("\"JPY\""));

        // Browsers get it gzipped (about a third of the size); the same script once decompressed.
        using var compressed = new HttpRequestMessage(HttpMethod.Get, "/sdk/v1/attribution.js");
        compressed.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var gzipped = await _system.Http.SendAsync(compressed);
        Assert.That(gzipped.Content.Headers.ContentEncoding, Is.EqualTo(new[] { "gzip" }));
        var bytes = await gzipped.Content.ReadAsByteArrayAsync();
        Assert.That(bytes.Length, Is.LessThan(script.Length / 2));
        using (var unzip = new System.IO.Compression.GZipStream(new MemoryStream(bytes), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(unzip))
            Assert.That(await reader.ReadToEndAsync(), Is.EqualTo(script));

        using var again = new HttpRequestMessage(HttpMethod.Get, "/sdk/v1/attribution.js");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await _system.Http.SendAsync(again);
        Assert.That(notModified.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }
}
