using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using OpenQA.Selenium;

namespace Attribution.IntegrationTests.Dashboard;

/// <summary>
/// The Revenue Impact page on the demo week, the traffic infra/up.sh sends through the public API
/// (services/Attribution.DemoTraffic, run as a process against the running system): once the engine
/// has decided and projected it, every panel loads with the API's figures, at desktop and phone width,
/// with no failed panel, no failed request and no console error.
/// </summary>
[NonParallelizable]
public sealed class DemoWeekPageTests
{
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task The_demo_week_shows_every_view_with_the_api_figures(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync($"Demo Running Store ({name})");
        var accepted = await SendTheDemoWeekAsync(company);
        await WaitUntilDecidedAndProjectedAsync(company.CompanyKey, accepted);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        var summary = await company.GetJsonAsync($"/v1/revenue/summary?{range}");
        var daily = (await company.GetJsonAsync($"/v1/revenue/daily?{range}")).EnumerateArray().ToList();
        var channels = (await company.GetJsonAsync($"/v1/revenue/channels?{range}")).EnumerateArray().ToList();
        var conversations = (await company.GetJsonAsync($"/v1/conversations?{range}&sort=revenue&limit=25")).GetProperty("conversations").GetArrayLength();
        Assert.That(summary.GetProperty("attributedOrders").GetInt32(), Is.GreaterThan(0), "the demo week credits orders");

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        await DashboardPageTests.SignInAsync(driver, company.ApiSecret);

        static decimal ValueOf(IWebElement e) => decimal.Parse(e.GetAttribute("data-value")!, NumberStyles.Float, CultureInfo.InvariantCulture);
        var trendRows = driver.FindElements(By.CssSelector("#trend-table tbody tr"));
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElements(By.CssSelector(".panel.has-error")), Is.Empty, "no panel failed");
            Assert.That(ValueOf(driver.FindElement(By.Id("tile-checkout-revenue"))), Is.EqualTo(summary.GetProperty("checkoutRevenue").GetDecimal()));
            Assert.That(ValueOf(driver.FindElement(By.Id("tile-attributed-orders"))), Is.EqualTo(summary.GetProperty("attributedOrders").GetDecimal()));
            Assert.That(ValueOf(driver.FindElement(By.Id("tile-total-cart-gmv"))), Is.EqualTo(summary.GetProperty("totalCartGmv").GetDecimal()));
            Assert.That(trendRows.Select(r => r.GetAttribute("data-date")), Is.EqualTo(daily.Select(d => d.GetProperty("date").GetString())));
            Assert.That(trendRows.Select(r => ValueOf(r.FindElements(By.CssSelector("td"))[0])), Is.EqualTo(daily.Select(d => d.GetProperty("attributedRevenue").GetDecimal())));
            foreach (var channel in channels)
            {
                var code = channel.GetProperty("channel").GetString();
                var tile = driver.FindElement(By.CssSelector($"#channels-tiles [data-channel='{code}']"));
                Assert.That(ValueOf(tile.FindElement(By.CssSelector("[data-figure='checkoutRevenue']"))), Is.EqualTo(channel.GetProperty("checkoutRevenue").GetDecimal()), code);
            }
            Assert.That(driver.FindElements(By.CssSelector("#conversations-table tbody tr[data-conversation-id]")), Has.Count.EqualTo(conversations), "the first page of conversations");
            Assert.That(driver.FindElements(By.CssSelector("#products-table tbody tr")), Is.Not.Empty, "the products of credited orders");
            Assert.That(driver.FindElement(By.Id("lift")).Text, Is.Not.Empty);
            Assert.That(driver.FindElements(By.CssSelector("#variants-table tbody tr")), Is.Not.Empty, "the demo's A/B arms");
        });

        DashboardPageTests.AssertNothingFailed(browser);
    }

    // The demo sender of infra/up.sh, built with the solution, against this run's gateway; answers how
    // many events the gateway accepted ("sent N events in S s: N accepted, ...").
    private async Task<long> SendTheDemoWeekAsync(TestCompany company)
    {
        var dll = Path.Combine(DashboardPageTests.RepositoryRoot(), "services", "Attribution.DemoTraffic", "bin", "Release", "net10.0", "Attribution.DemoTraffic.dll");
        Assert.That(File.Exists(dll), Is.True, $"{dll} (built with the solution)");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--gateway", _system.Http.BaseAddress!.ToString(), "--company-key", company.CompanyKey, "--api-secret", company.ApiSecret },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{await output}\n{await errors}");
        TestContext.Out.WriteLine(await output);
        var accepted = System.Text.RegularExpressions.Regex.Match(await output, @"([\d,]+) accepted");
        Assert.That(accepted.Success, Is.True, await output);
        return long.Parse(accepted.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    // Every accepted event is stored and every cart and checkout event has a decision, then every
    // projection has passed the end of the store: the page and the API read the same thing. The sender
    // is done in a few seconds while the engine may still be recording: a pause in recording, or queues
    // that look empty while a batch is being recorded, must not look settled.
    private static async Task WaitUntilDecidedAndProjectedAsync(string companyKey, long accepted)
    {
        await Poll.UntilAsync(async () =>
        {
            await using var cmd = TestServices.Database.CreateCommand("""
                SELECT (SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1
                          AND type = ANY('{cart_event_recorded.v1,checkout_recorded.v1,interaction_recorded.v1,refund_recorded.v1}')),
                       (SELECT count(DISTINCT data->>'sourceEventId') FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'attribution_decided.v2')
                         = (SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND type = ANY('{cart_event_recorded.v1,checkout_recorded.v1}'))
                """);
            cmd.Parameters.AddWithValue(companyKey);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (stored, decided) = (reader.GetInt64(0), reader.GetBoolean(1));
            return decided && stored == accepted;
        }, settled => settled, TimeSpan.FromSeconds(90), "every cart and checkout event of the demo week decided");
        await Projections.WaitForNonStaleAsync("the demo week projected");
    }
}
