using System.Net;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Infrastructure.MetricsScrape;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// The gateway's broker fails under it: every answer is 503 with Retry-After, never 202; once the
/// broker is back the client's retries (same eventIds) are accepted and each stored exactly once.
/// Each 503 counts on the gateway's /metrics as broker_unavailable for its company.
/// The broker is a container of the test's own (Testcontainers), stopped or frozen without
/// touching the machine's shared one.
/// </summary>
[NonParallelizable]
public sealed class BrokerOutageTests
{
    [Test]
    public async Task While_the_broker_is_stopped_events_get_503_and_after_it_restarts_they_arrive_once()
    {
        await using var broker = await BrokerContainer.StartAsync();
        await OutageAsync(broker, "Outage", broker.StopAsync, broker.StartAgainAsync);
    }

    // A frozen broker (docker pause) keeps its connections open and answers nothing: the gateway
    // must stop waiting for the confirm at its own timeout rather than hang or answer 202.
    [Test]
    public async Task While_the_broker_is_frozen_events_get_503_and_after_it_thaws_they_arrive_once()
    {
        await using var broker = await BrokerContainer.StartAsync();
        await OutageAsync(broker, "Frozen broker", broker.PauseAsync, broker.UnpauseAsync);
    }

    private const string UnavailableMetric = "gateway_events_broker_unavailable_total";

    private static async Task OutageAsync(BrokerContainer broker, string name, Func<Task> fail, Func<Task> recover)
    {
        await using var system = await RunningSystem.StartAsync(gatewaySettings: broker.Settings, engineSettings: broker.Settings);
        var company = await system.CreateCompanyAsync(name);
        var before = Cart("fp_outage");
        using (var ok = await company.PostAsBrowserAsync("/v1/events/cart", before))
            Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        var duringOutage = Enumerable.Range(0, 3).Select(_ => Cart("fp_outage")).ToList();
        var unavailable = $"company=\"{company.CompanyKey}\"";
        var unavailableBefore = Sum(await ScrapeAsync(system.Http), UnavailableMetric, unavailable);
        await fail();
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
            await recover();
        }
        var counted = Sum(await Poll.UntilAsync(() => ScrapeAsync(system.Http),
            t => Sum(t, UnavailableMetric, unavailable) >= unavailableBefore + duringOutage.Count,
            TimeSpan.FromSeconds(30), "/metrics counting the refused events", failOnTimeout: false), UnavailableMetric, unavailable);
        Assert.That(counted - unavailableBefore, Is.GreaterThanOrEqualTo(duringOutage.Count), "each 503 counted as broker_unavailable for the company");

        // The client keeps the events and retries them with the same eventIds until accepted.
        foreach (var body in duringOutage)
            await Poll.UntilAsync(async () =>
            {
                using var retry = await company.PostAsBrowserAsync("/v1/events/cart", body);
                return retry.StatusCode;
            }, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(90), "a retried event accepted after the broker is back");

        var ids = duringOutage.Select(IdOf).Append(IdOf(before)).ToList();
        await StoredEvents.WaitForAsync(ids, "every accepted event stored");
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(ids.Count), "nothing lost, nothing twice");
    }
}
