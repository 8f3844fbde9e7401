using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// RabbitMQ stopped under the gateway: every answer is 503 with Retry-After, never 202; once the
/// broker is back the client's retries (same eventIds) are accepted and each stored exactly once.
/// Needs the local broker that infra/services.sh runs (rabbitmqctl on this machine).
/// </summary>
[NonParallelizable]
public sealed class BrokerOutageTests
{
    [Test]
    public async Task While_the_broker_is_down_events_get_503_and_after_it_is_back_they_arrive_once()
    {
        LocalBroker.IgnoreUnlessLocal();

        await using var system = await RunningSystem.StartAsync();
        var company = await system.CreateCompanyAsync("Outage");
        var before = Cart("fp_outage");
        using (var ok = await company.PostAsBrowserAsync("/v1/events/cart", before))
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var duringOutage = Enumerable.Range(0, 5).Select(_ => Cart("fp_outage")).ToList();
        await LocalBroker.StopAsync();
        try
        {
            foreach (var body in duringOutage)
            {
                using var response = await company.PostAsBrowserAsync("/v1/events/cart", body);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
                Assert.That(response.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
            }
        }
        finally
        {
            await LocalBroker.StartAsync();
        }

        // The client keeps the events and retries them with the same eventIds until accepted.
        foreach (var body in duringOutage)
            await Poll.UntilAsync(async () =>
            {
                using var retry = await company.PostAsBrowserAsync("/v1/events/cart", body);
                return retry.StatusCode;
            }, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(60), "a retried event accepted after the broker is back");

        var ids = duringOutage.Select(IdOf).Append(IdOf(before)).ToList();
        await StoredEvents.WaitForAsync(ids, "every accepted event stored");
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(ids.Count), "nothing lost, nothing twice");
    }
}
