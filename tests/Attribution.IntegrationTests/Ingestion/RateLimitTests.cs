using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>A gateway with a tiny per-company rate: the next request is a 429 with Retry-After, other companies unaffected.</summary>
[NonParallelizable]
public sealed class RateLimitTests
{
    [Test]
    public async Task A_company_over_its_rate_gets_429_with_retry_after_and_others_do_not()
    {
        await using var system = await RunningSystem.StartAsync(engines: 1, new Dictionary<string, string?>
        {
            ["ATTRIBUTION_INGESTION_RATE_PER_SECOND"] = "1",
            ["ATTRIBUTION_INGESTION_BURST"] = "3",
        });
        var busy = await system.CreateCompanyAsync("Busy");
        var quiet = await system.CreateCompanyAsync("Quiet");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6 && limited is null; i++)
        {
            var response = await busy.PostAsBrowserAsync("/v1/events/cart", Cart());
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else response.Dispose();
        }
        using var other = await quiet.PostAsBrowserAsync("/v1/events/cart", Cart());

        Assert.That(statuses.Take(3), Is.All.EqualTo(HttpStatusCode.Accepted));
        Assert.That(limited, Is.Not.Null, "the burst of 3 is used up");
        Assert.That(limited!.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        limited.Dispose();
    }
}
