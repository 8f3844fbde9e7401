using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenQA.Selenium;

namespace Attribution.IntegrationTests.Sdk;

/// <summary>
/// The browser SDK in headless Chromium against the running system (gateway, RabbitMQ, engine,
/// PostgreSQL): a store page on its own origin with the seed's queue snippet and the SDK's script
/// tag, and the demo storefront. What the page sent is read from Chromium's network log, what it
/// logged from its console, and what arrived from the event store. The outage test runs its own
/// gateway and engine on a RabbitMQ container of its own, which it stops and starts again.
/// </summary>
[NonParallelizable]
public sealed class SdkBrowserTests
{
    private RunningSystem _system = null!;
    private TestStorefront _store = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _system = await RunningSystem.StartAsync();
        _store = await TestStorefront.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _store.DisposeAsync();
        await _system.DisposeAsync();
    }

    private Uri Gateway => _system.Http.BaseAddress!;

    private Task<TestCompany> StoreCompanyAsync(string name) => _system.CreateCompanyAsync(name, allowedOrigins: [_store.OriginText]);

    private static string CartCall(string type, string productId, int quantity) =>
        JsonSerializer.Serialize(new { type, productId, productName = "Shoe " + productId, value = 50.00m, currency = "USD", quantity });

    [Test]
    public async Task Events_queued_before_the_sdk_loads_arrive_in_call_order_and_a_bad_type_is_logged_and_never_sent()
    {
        var company = await StoreCompanyAsync("Queued store");
        var page = _store.Page("queued.html", Gateway, company.CompanyKey, head: $"""
            <script>
              trackAlhenaEvent('sendCartEvent', {CartCall("ITEM_ADDED", "SKU-Q", 2)});
              trackAlhenaEvent('sendCartEvent', {CartCall("QUANTITY_INCREASED", "SKU-Q", 1)});
              trackAlhenaEvent('sendCartEvent', {CartCall("QUANTITY_DECREASED", "SKU-Q", 2)});
              trackAlhenaEvent('sendCartEvent', {CartCall("ITEM_REMOVED", "SKU-Q", 1)});
            </script>
            """);

        using var browser = HeadlessChromium.Start();
        browser.Driver.Navigate().GoToUrl(page);
        await browser.WaitForSdkAsync();
        var fingerprint = browser.UserFingerprint();

        var stored = await Poll.UntilAsync(() => StoredEvents.OfVisitorAsync(company.CompanyKey, fingerprint), e => e.Count >= 4,
            TimeSpan.FromSeconds(20), "the four queued events stored");
        string[] order = ["ITEM_ADDED", "QUANTITY_INCREASED", "QUANTITY_DECREASED", "ITEM_REMOVED"];
        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(e => e.Data.GetProperty("type").GetString()), Is.EqualTo(order), "folded by occurredAt, the call order");
            Assert.That(stored.Select(e => e.Data.GetProperty("quantity").GetInt32()), Is.EqualTo(new[] { 2, 1, 2, 1 }));
            Assert.That(browser.Batches[0].Events().Select(e => e.GetProperty("type").GetString()), Is.EqualTo(order), "one batch, in call order");
        });

        // A bad type: one console error naming the field, null instead of an eventId, no request.
        var bad = browser.Script($"return window.trackAlhenaEvent('sendCartEvent', {CartCall("ITEM_ADDDED", "SKU-BAD", 1)});");
        Assert.That(bad, Is.Null);
        // A good call after it: once that one is stored, every request the bad one could have ridden has been made.
        var after = (string)browser.Script($"return window.attribution.sendCartEvent({CartCall("ITEM_ADDED", "SKU-AFTER", 1)});")!;
        await StoredEvents.WaitForAsync([Guid.Parse(after)], "the call after the bad one");

        var errors = browser.Console.Where(c => c.Level == "Severe" && c.Message.Contains("[attribution]", StringComparison.Ordinal)).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(errors, Has.Count.EqualTo(1), string.Join("\n", browser.Console));
            Assert.That(errors.Single().Message, Does.Contain("sendCartEvent was not sent: type: type must be exactly one of ITEM_ADDED"));
            Assert.That(browser.Batches.Where(b => b.Body?.Contains("SKU-BAD", StringComparison.Ordinal) == true), Is.Empty, "no request carried it");
            Assert.That(await StoredEvents.RejectionsAsync(company.CompanyKey), Is.Empty, "the gateway never saw it");
            Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task While_the_gateway_answers_503_events_are_kept_across_page_loads_and_arrive_once_after_it_recovers()
    {
        // A broker of the test's own, with a gateway and an engine on it: stopping it disturbs no other test.
        await using var broker = await BrokerContainer.StartAsync();
        await using var system = await RunningSystem.StartAsync(gatewaySettings: broker.Settings, engineSettings: broker.Settings);
        var company = await system.CreateCompanyAsync("Outage store", allowedOrigins: [_store.OriginText]);
        var page = _store.Page("shop.html", system.Http.BaseAddress!, company.CompanyKey);

        using var browser = HeadlessChromium.Start();
        browser.Driver.Navigate().GoToUrl(page);
        await browser.WaitForSdkAsync();

        var ids = new List<Guid>();
        await broker.StopAsync();
        try
        {
            for (var i = 0; i < 3; i++)
                ids.Add(Guid.Parse((string)browser.Script($"return window.attribution.sendCartEvent({CartCall("ITEM_ADDED", $"SKU-OUT-{i}", 1)});")!));
            await Poll.UntilAsync(() => Task.FromResult(browser.Batches.Count(b => b.Status == StatusCodes.Status503ServiceUnavailable)), n => n >= 1,
                TimeSpan.FromSeconds(30), "the gateway to answer 503");
            Assert.That(browser.StoredQueueLength(), Is.EqualTo(3), "kept in localStorage");

            // The shopper moves on: the next page load still holds them and tries again.
            browser.Driver.Navigate().Refresh();
            await browser.WaitForSdkAsync();
            Assert.That(browser.StoredQueueLength(), Is.EqualTo(3), "kept across the page load");
            await Poll.UntilAsync(() => Task.FromResult(browser.Batches.Count(b => b.Status == StatusCodes.Status503ServiceUnavailable)), n => n >= 2,
                TimeSpan.FromSeconds(30), "the reloaded page's retry answered 503");
        }
        finally
        {
            await broker.StartAgainAsync();
        }

        // Backoff honours Retry-After (5 s): the next tries after the broker is back are accepted.
        await Poll.UntilAsync(() => StoredEvents.FindAsync(ids), found => found.Count == ids.Count, TimeSpan.FromSeconds(90), "the kept events stored after recovery");
        await Poll.UntilAsync(() => Task.FromResult(browser.StoredQueueLength()), n => n == 0, TimeSpan.FromSeconds(20), "the stored queue emptied");
        Assert.Multiple(async () =>
        {
            Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(3), "each once");
            Assert.That(browser.Batches.Where(b => b.Status == StatusCodes.Status202Accepted).SelectMany(b => b.Events()).Select(e => e.GetProperty("eventId").GetGuid()),
                Is.SupersetOf(ids), "resent with the same eventIds");
            Assert.That(browser.Console.Any(c => c.Message.Contains("events not delivered", StringComparison.Ordinal)), Is.True, "the retry is explained on the console");
        });
    }

    [Test]
    public async Task A_page_hidden_before_its_batch_goes_delivers_it_by_beacon()
    {
        var company = await StoreCompanyAsync("Beacon store");
        // Chromium's network log loses requests made while a page unloads, so this store page notes
        // its beacons in sessionStorage (which the next page of the tab can read), then lets them go.
        var page = _store.Page("shop.html", Gateway, company.CompanyKey, head: """
            <script>
              var realBeacon = navigator.sendBeacon.bind(navigator);
              navigator.sendBeacon = function (url, data) {
                var sent = realBeacon(url, data), seen = JSON.parse(sessionStorage.getItem('test.beacons') || '[]');
                seen.push({ url: String(url), type: data && data.type, sent: sent });
                sessionStorage.setItem('test.beacons', JSON.stringify(seen));
                return sent;
              };
            </script>
            """);
        _store.Page("elsewhere.html", Gateway, company.CompanyKey);

        using var browser = HeadlessChromium.Start();
        browser.Driver.Navigate().GoToUrl(page);
        await browser.WaitForSdkAsync();

        // Batches wait 250 ms; the shopper leaves at once, so only the page-hide flush can send it.
        var id = Guid.Parse((string)browser.Script(
            $"var id = window.attribution.sendCartEvent({CartCall("ITEM_ADDED", "SKU-LEAVING", 1)}); location.href = '/elsewhere.html'; return id;")!);
        await StoredEvents.WaitForAsync([id], "the event handed to sendBeacon");
        await Poll.UntilAsync(() => Task.FromResult(browser.Driver.Url), u => u.EndsWith("/elsewhere.html", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the next page");
        await browser.WaitForSdkAsync();

        var beacons = JsonDocument.Parse((string)browser.Script("return sessionStorage.getItem('test.beacons') || '[]';")!).RootElement.EnumerateArray().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(beacons.Select(b => (b.GetProperty("url").GetString(), b.GetProperty("type").GetString(), b.GetProperty("sent").GetBoolean())),
                Is.EqualTo(new[] { (new Uri(Gateway, "/v1/events/batch?companyKey=" + company.CompanyKey).ToString(), "text/plain", true) }),
                "one beacon: text/plain, the key in the query");
            Assert.That(browser.Batches.Where(b => b.Body?.Contains(id.ToString(), StringComparison.Ordinal) == true), Is.Empty,
                "no fetch carried it, from either page: the beacon did");
            Assert.That(browser.StoredQueueLength(), Is.Zero, "handed over, so not kept for the next page");
        });
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(1));
    }

    [Test]
    public async Task The_demo_storefront_closes_the_loop_and_a_thank_you_page_refresh_counts_the_order_once()
    {
        var company = await _system.CreateCompanyAsync("Demo loop");
        using var browser = HeadlessChromium.Start();
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(Gateway, $"/demo-store/?companyKey={company.CompanyKey}&apiSecret={company.ApiSecret}"));
        await browser.WaitForSdkAsync();
        var fingerprint = browser.UserFingerprint();

        driver.FindElement(By.CssSelector(".add-to-cart[data-product-id='SKU-1005']")).Click();
        driver.FindElement(By.Id("assistant-question")).SendKeys("Running shoes for flat feet?");
        driver.FindElement(By.Id("assistant-ask")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("assistant-status")).Text), t => t.StartsWith("Reported", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the demo's chat reported");
        // The assistant's product card: the SDK calls the store's handler, then sends ITEM_ADDED itself.
        driver.FindElement(By.CssSelector(".card-add-to-cart[data-product-id='SKU-1002']")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("cart-count")).Text), t => t == "2", TimeSpan.FromSeconds(10), "the handler's cart update");

        driver.Navigate().GoToUrl(new Uri(Gateway, "/demo-store/cart.html"));
        driver.FindElement(By.Id("checkout")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.Id("place-order")).Count), n => n == 1, TimeSpan.FromSeconds(10), "the checkout page");
        driver.FindElement(By.Id("place-order")).Click();
        var orderId = await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.Id("thank-you-order-id")).FirstOrDefault()?.Text ?? ""),
            t => t.StartsWith("DEMO-", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the thank-you page");
        await browser.WaitForSdkAsync();
        Assert.That(browser.Flush(), Is.Zero, "the thank-you page's checkout delivered");

        driver.Navigate().Refresh();
        await browser.WaitForSdkAsync();
        Assert.That(browser.Flush(), Is.Zero, "the refreshed page's checkout delivered");

        var checkouts = browser.Batches.SelectMany(b => b.Events().Select(e => (Status: b.Status, Event: e)))
            .Where(x => x.Event.GetProperty("kind").GetString() == "checkout").ToList();
        Assert.That(checkouts, Has.Count.EqualTo(2), "the thank-you page and its refresh each sent the order");
        Assert.That(checkouts.Select(c => c.Event.GetProperty("eventId").GetGuid()).Distinct().Count(), Is.EqualTo(1), "with the same eventId");
        Assert.That(checkouts.Select(c => c.Status), Is.All.EqualTo(StatusCodes.Status202Accepted));

        var stored = await Poll.UntilAsync(() => StoredEvents.OfVisitorAsync(company.CompanyKey, fingerprint), e => e.Count >= 3,
            TimeSpan.FromSeconds(20), "the visitor's cart events and order stored");
        await Projections.WaitForNonStaleAsync();
        var explain = await company.GetJsonAsync($"/v1/attribution/orders/{orderId}");
        var summary = await company.GetJsonAsync("/v1/revenue/summary");
        Assert.Multiple(async () =>
        {
            Assert.That(stored.Select(e => (e.Type, e.Data.TryGetProperty("productId", out var p) ? p.GetString() : e.Data.GetProperty("orderId").GetString())),
                Is.EqualTo(new[] { ("cart_event_recorded.v1", "SKU-1005"), ("cart_event_recorded.v1", "SKU-1002"), ("checkout_recorded.v1", orderId) }),
                "one ITEM_ADDED per click (the product card's sent by the SDK, not twice), one order");
            Assert.That(explain.GetProperty("attributed").GetBoolean(), Is.True, explain.ToString());
            Assert.That(explain.GetProperty("creditedInteraction").GetProperty("conversationId").GetString(), Does.StartWith("demo-"));
            Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.EqualTo(1), "the refresh did not double the order");
            Assert.That(summary.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(89.99m + 139.99m));
            Assert.That(await StoredEvents.RejectionsAsync(company.CompanyKey), Is.Empty);
        });
    }
}
