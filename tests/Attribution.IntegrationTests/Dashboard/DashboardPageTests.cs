using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using OpenQA.Selenium;

namespace Attribution.IntegrationTests.Dashboard;

/// <summary>
/// The Revenue Impact page in headless Chromium (Debian's chromium and chromedriver, installed by
/// infra/test.sh), on the running system: sign in with the apiSecret, wait for every panel, compare
/// the tiles with the API, and keep a screenshot with the test results.
/// </summary>
[NonParallelizable]
public sealed class DashboardPageTests
{
    private RunningSystem _system = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _system = await RunningSystem.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task Signing_in_shows_tiles_that_match_the_api_and_every_panel()
    {
        var company = await _system.CreateCompanyAsync("Dashboard store");
        await SeedStoreAsync(company);

        // The page's default range: the last seven days up to today in the company's zone (UTC here).
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        using var summaryResponse = await company.GetAsServerAsync($"/v1/revenue/summary?from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        Assert.That(summaryResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var summary = await summaryResponse.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(summary.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(159.98m), "the data set itself");

        using (var page = await _system.Http.GetAsync("/dashboard/"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the page is served as a static file");
            Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("api-secret"));
        }

        using var browser = HeadlessChromium.Start();
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));

        // A wrong secret is refused on the page.
        driver.FindElement(By.Id("api-secret")).SendKeys("not-the-secret");
        driver.FindElement(By.Id("signin-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("signin-error")).Text), t => t.Contains("not accepted", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the sign-in error");

        driver.FindElement(By.Id("api-secret")).Clear();
        driver.FindElement(By.Id("api-secret")).SendKeys(company.ApiSecret);
        driver.FindElement(By.Id("signin-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("dashboard")).GetAttribute("data-loaded")), v => v == "true",
            TimeSpan.FromSeconds(30), "every panel of the dashboard to load");

        string Value(string id) => driver.FindElement(By.Id(id)).GetAttribute("data-value") ?? "";
        decimal Number(string id) => decimal.Parse(Value(id), NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.Id("company-name")).Text, Is.EqualTo("Dashboard store"));
            Assert.That(Number("tile-checkout-revenue"), Is.EqualTo(summary.GetProperty("checkoutRevenue").GetDecimal()));
            Assert.That(Number("tile-attributed-orders"), Is.EqualTo(summary.GetProperty("attributedOrders").GetInt32()));
            Assert.That(Number("tile-aov"), Is.EqualTo(summary.GetProperty("averageOrderValue").GetDecimal()));
            Assert.That(Number("tile-total-cart-gmv"), Is.EqualTo(summary.GetProperty("totalCartGmv").GetDecimal()));
            Assert.That(Number("tile-attributed-share"), Is.EqualTo(summary.GetProperty("attributedShare").GetDecimal()));
            Assert.That(driver.FindElement(By.Id("tile-checkout-revenue")).Text, Does.Contain("159.98"));
            Assert.That(driver.FindElement(By.Id("products-table")).Text, Does.Contain("Black Running Shoes"));
            Assert.That(driver.FindElement(By.Id("variants-table")).Text, Does.Contain("A"));
            Assert.That(driver.FindElement(By.Id("data-quality")).Text, Does.Contain("Duplicate order"));
            Assert.That(driver.FindElement(By.Id("cart-gmv-chart")).Displayed, Is.True, "the vendored Chart.js drew the daily chart");
        });

        // A/B: each arm with its sample size and conversion rate as the API has them; the first arm is the baseline.
        var variants = await company.GetJsonAsync($"/v1/revenue/variants?from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        var armA = variants.EnumerateArray().Single(v => v.GetProperty("variant").GetString() == "A");
        var rowA = driver.FindElement(By.CssSelector("#variants-table tr[data-variant='A']"));
        var cells = rowA.FindElements(By.CssSelector("td"));
        Assert.Multiple(() =>
        {
            Assert.That(decimal.Parse(cells[0].GetAttribute("data-value")!, CultureInfo.InvariantCulture), Is.EqualTo(armA.GetProperty("conversations").GetDecimal()));
            Assert.That(decimal.Parse(cells[2].GetAttribute("data-value")!, CultureInfo.InvariantCulture), Is.EqualTo(armA.GetProperty("conversionRate").GetDecimal()));
            Assert.That(cells[3].Text, Is.EqualTo("Baseline"));
            Assert.That(driver.FindElement(By.Id("variants-table")).Text, Does.Not.Contain("Best"));
        });

        // The conversation lookup.
        driver.FindElement(By.Id("conversation-id")).SendKeys("dash-1");
        driver.FindElement(By.Id("conversation-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("conversation-result")).Text), t => t.Contains("dash-o1", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the conversation's orders");

        // Explain in the page: the credited order with its conversation and the visitor's timeline, then one nobody earned.
        using var explained = await company.GetAsServerAsync("/v1/attribution/orders/dash-o1");
        var explanation = await explained.Content.ReadFromJsonAsync<JsonElement>();
        driver.FindElement(By.Id("explain-id")).SendKeys("dash-o1");
        driver.FindElement(By.Id("explain-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.CssSelector("#explain-timeline li")).Count),
            n => n == explanation.GetProperty("timeline").GetArrayLength(), TimeSpan.FromSeconds(15), "the explained order's timeline");
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.Id("explanation")).GetAttribute("data-attributed"), Is.EqualTo("true"));
            Assert.That(driver.FindElement(By.Id("explain-credited")).Text, Does.Contain("dash-1").And.Contain("variant A"));
            Assert.That(driver.FindElement(By.Id("explain-rule")).GetAttribute("title"), Does.StartWith(explanation.GetProperty("ruleVersion").GetString()!),
                "the rule version stays in the tooltip");
            Assert.That(driver.FindElement(By.Id("explain-rule")).Text, Does.Contain("24 hours"));
            Assert.That(driver.FindElements(By.CssSelector("#explain-timeline li")).Select(li => li.GetAttribute("data-kind")),
                Is.EqualTo(explanation.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("kind").GetString())));
            Assert.That(driver.FindElement(By.Id("explain-timeline")).Text, Does.Contain("Shoes for a marathon?").And.Contain("Black Running Shoes"));
            Assert.That(driver.FindElement(By.CssSelector("#explain-timeline li.is-explained")).Text, Does.Contain("dash-o1"));
        });
        driver.FindElement(By.Id("explain-id")).Clear();
        driver.FindElement(By.Id("explain-id")).SendKeys("dash-o2");
        driver.FindElement(By.Id("explain-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.Id("explain-verdict")).Select(e => e.Text).FirstOrDefault() ?? ""),
            t => t == "Not credited to the assistant", TimeSpan.FromSeconds(15), "the unattributed order's verdict");

        // Nothing else failed on the way: every asset and call answered, and the console holds no error
        // but the deliberate wrong secret's 401 (a missing asset, the tab icon included, shows up here).
        var failed = browser.Requests.Where(r => r.Status >= 400).Select(r => $"{r.Status} {r.Url}").ToList();
        var consoleErrors = browser.Console.Where(c => c.Level == "Severe").Select(c => c.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(failed, Has.All.StartsWith("401 "), string.Join("\n", failed));
            Assert.That(consoleErrors.Where(m => !m.Contains("status of 401", StringComparison.Ordinal)), Is.Empty, string.Join("\n", consoleErrors));
        });

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, "revenue-impact-dashboard.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        TestContext.AddTestAttachment(screenshot, "The Revenue Impact page after sign-in");
    }

    /// <summary>
    /// The trend, lift, channel and conversation views on the first test's data at desktop and phone
    /// sizes: each shows the API's figures, today is marked as a partial day, a conversation opens to
    /// its transcript and orders, and nothing fails or logs an error on the way.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task The_trend_lift_channel_and_conversation_views_show_the_api_figures(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync("Dashboard views store");
        await SeedStoreAsync(company);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        var daily = (await company.GetJsonAsync($"/v1/revenue/daily?{range}")).EnumerateArray().ToList();
        var lift = await company.GetJsonAsync($"/v1/revenue/lift?{range}");
        var channels = (await company.GetJsonAsync($"/v1/revenue/channels?{range}")).EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!);
        Assert.That(daily.Sum(d => d.GetProperty("attributedRevenue").GetDecimal()), Is.EqualTo(159.98m), "the data set itself");

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        driver.FindElement(By.Id("api-secret")).SendKeys(company.ApiSecret);
        driver.FindElement(By.Id("signin-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("dashboard")).GetAttribute("data-loaded")), v => v == "true",
            TimeSpan.FromSeconds(30), "every panel of the dashboard to load");

        static decimal ValueOf(IWebElement e) => decimal.Parse(e.GetAttribute("data-value")!, NumberStyles.Float, CultureInfo.InvariantCulture);
        var trendRows = driver.FindElements(By.CssSelector("#trend-table tbody tr"));
        var conversation = driver.FindElement(By.CssSelector("#conversations-table tr[data-conversation-id='dash-1']"));
        var conversationCells = conversation.FindElements(By.CssSelector("td"));
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElements(By.CssSelector(".panel.has-error")), Is.Empty, "no panel failed");

            // Trend: one row and one bar per day with the API's figures; today is the partial day.
            Assert.That(trendRows.Select(r => r.GetAttribute("data-date")), Is.EqualTo(daily.Select(d => d.GetProperty("date").GetString())));
            Assert.That(trendRows.Select(r => ValueOf(r.FindElements(By.CssSelector("td"))[0])), Is.EqualTo(daily.Select(d => d.GetProperty("attributedRevenue").GetDecimal())));
            Assert.That(trendRows.Select(r => ValueOf(r.FindElements(By.CssSelector("td"))[1])), Is.EqualTo(daily.Select(d => d.GetProperty("totalCheckoutRevenue").GetDecimal())));
            Assert.That(driver.FindElements(By.CssSelector("#trend-chart svg g.day")), Has.Count.EqualTo(daily.Count));
            Assert.That(driver.FindElements(By.CssSelector($"#trend-chart svg g.day.is-partial[data-date='{today:yyyy-MM-dd}']")), Has.Count.EqualTo(1), "today is marked");
            Assert.That(driver.FindElements(By.CssSelector("#trend-table tr[data-partial='true']")).Select(r => r.GetAttribute("data-date")), Is.EqualTo(new[] { $"{today:yyyy-MM-dd}" }));

            // Lift: the groups' figures, and the honest state the API reports (one visitor per group is not enough).
            Assert.That(driver.FindElements(By.CssSelector("#lift-table tr[data-measure='visitors'] td")).Take(2).Select(ValueOf),
                Is.EqualTo(new[] { lift.GetProperty("assisted").GetProperty("visitors").GetDecimal(), lift.GetProperty("unassisted").GetProperty("visitors").GetDecimal() }));
            Assert.That(ValueOf(driver.FindElements(By.CssSelector("#lift-table tr[data-measure='conversionRate'] td"))[0]),
                Is.EqualTo(lift.GetProperty("assisted").GetProperty("conversionRate").GetDecimal()));
            if (lift.GetProperty("enoughData").GetBoolean())
                Assert.That(driver.FindElement(By.Id("lift-summary")).Text, Does.Contain("×"));
            else
                Assert.That(driver.FindElement(By.Id("lift-not-enough")).Text, Does.StartWith("Not enough data yet"));

            // By channel: chat, FAQ and nudges side by side with the API's revenue and orders.
            foreach (var channel in new[] { "CHAT", "FAQ", "NUDGE" })
            {
                var tile = driver.FindElement(By.CssSelector($"#channels-tiles [data-channel='{channel}']"));
                Assert.That(ValueOf(tile.FindElement(By.CssSelector("[data-figure='checkoutRevenue']"))), Is.EqualTo(channels[channel].GetProperty("checkoutRevenue").GetDecimal()), channel);
                Assert.That(ValueOf(tile.FindElement(By.CssSelector("[data-figure='attributedOrders']"))), Is.EqualTo(channels[channel].GetProperty("attributedOrders").GetDecimal()), channel);
            }
            Assert.That(driver.FindElement(By.CssSelector("#channels-tiles [data-channel='CHAT']")).Text, Does.Contain("Chat").And.Contain("159.98"));

            // Conversations: dash-1 in plain words with its figures; one page only, so no "Load more".
            Assert.That(conversationCells[0].Text, Is.EqualTo("Chat"));
            Assert.That(conversationCells[1].Text, Is.EqualTo("A"));
            Assert.That(ValueOf(conversationCells[2]), Is.EqualTo(2m), "messages");
            Assert.That(ValueOf(conversationCells[3]), Is.EqualTo(1m), "credited orders");
            Assert.That(ValueOf(conversationCells[4]), Is.EqualTo(159.98m));
            Assert.That(driver.FindElement(By.Id("conversations-more")).Displayed, Is.False);
        });

        // Opening the row shows the transcript and the order it earned.
        conversation.FindElement(By.CssSelector("button")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.CssSelector("#transcript-messages li")).Select(li => li.GetAttribute("data-kind") ?? "").ToList()),
            kinds => kinds.SequenceEqual(["SHOPPER_MESSAGE", "ASSISTANT_ANSWER"]), TimeSpan.FromSeconds(15), "the conversation's transcript");
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.Id("transcript-messages")).Text, Does.Contain("Shoes for a marathon?").And.Contain("Marked helpful"));
            Assert.That(driver.FindElement(By.Id("transcript-orders")).Text, Does.Contain("dash-o1"));
            Assert.That(conversation.GetAttribute("class"), Does.Contain("is-selected"));
        });

        // Sorting by recency reloads the list alone.
        browser.Script("const s = document.getElementById('conversations-sort'); s.value = 'recent'; s.dispatchEvent(new Event('change'));");
        await Poll.UntilAsync(() => Task.FromResult(browser.Requests.Any(r => r.Url.Contains("sort=recent", StringComparison.Ordinal) && r.Status == 200)
                && driver.FindElement(By.Id("conversations")).GetAttribute("aria-busy") is null),
            done => done, TimeSpan.FromSeconds(15), "the list sorted by recency");
        Assert.That(driver.FindElements(By.CssSelector("#conversations-table tr[data-conversation-id='dash-1']")), Has.Count.EqualTo(1));

        var failed = browser.Requests.Where(r => r.Status >= 400).Select(r => $"{r.Status} {r.Url}").ToList();
        var consoleErrors = browser.Console.Where(c => c.Level == "Severe").Select(c => c.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.Empty, string.Join("\n", failed));
            Assert.That(consoleErrors, Is.Empty, string.Join("\n", consoleErrors));
        });

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-views-{name}.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        TestContext.AddTestAttachment(screenshot, $"The Revenue Impact page's trend, lift, channel and conversation views, {width}×{height}");
        var trend = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-trend-{name}.png");
        ((ITakesScreenshot)driver.FindElement(By.Id("trend"))).GetScreenshot().SaveAsFile(trend);
        TestContext.AddTestAttachment(trend, $"The revenue trend, {width}×{height}");
    }

    /// <summary>
    /// A viewer token signs in (it may not read /v1/company, so the page learns what it needs from the
    /// summary) at desktop and phone sizes, with no failed request and no console error; the
    /// screenshots go to docs/screenshots (with ATTRIBUTION_SCREENSHOTS=docs), which README.md links.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task A_viewer_token_signs_in_and_every_panel_loads(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync("Viewer dashboard store");
        var now = DateTimeOffset.UtcNow;
        using (var batch = await company.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "fp_w", channel = "CHAT", conversationId = "view-1", variant = "A", text = "Trail shoes for wide feet?", occurredAt = WireTime.Of(now.AddHours(-3)) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "fp_w", channel = "CHAT", conversationId = "view-1", variant = "A", helpful = true, occurredAt = WireTime.Of(now.AddHours(-2.9)) },
                new { kind = "checkout", userFingerprint = "fp_w", orderId = "view-o1", value = 120.00m, currency = "GBP", occurredAt = WireTime.Of(now.AddHours(-2)),
                      lineItems = new[] { new { productId = "SKU-9", productName = "Wide Trail Shoes", quantity = 1, value = 120.00m, currency = "GBP" } } },
            },
        }))
        {
            var body = await batch.Content.ReadFromJsonAsync<JsonElement>();
            await StoredEvents.WaitForAsync(body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "the events stored");
        }
        await Projections.WaitForNonStaleAsync();
        using var created = await _system.AdminAsync(HttpMethod.Post, $"/v1/admin/companies/{company.CompanyKey}/viewer-tokens", new { name = "Board" });
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("viewerToken").GetString()!;

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        driver.FindElement(By.Id("api-secret")).SendKeys(token);
        driver.FindElement(By.Id("signin-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElement(By.Id("dashboard")).GetAttribute("data-loaded")), v => v == "true",
            TimeSpan.FromSeconds(30), "every panel of the dashboard to load");

        // A viewer may explain an order too; the timeline holds the chat and the order, at either width.
        driver.FindElement(By.Id("explain-id")).SendKeys("view-o1");
        driver.FindElement(By.Id("explain-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.CssSelector("#explain-timeline li")).Select(li => li.GetAttribute("data-kind") ?? "").ToList()),
            kinds => kinds.SequenceEqual(["INTERACTION", "INTERACTION", "CHECKOUT"]), TimeSpan.FromSeconds(15), "the viewer's explained order");
        Assert.That(driver.FindElement(By.Id("explain-credited")).Text, Does.Contain("view-1"));
        Assert.That(driver.FindElements(By.CssSelector("#conversations-table tr[data-conversation-id='view-1']")), Has.Count.EqualTo(1), "a viewer reads the conversation list");

        var failed = browser.Requests.Where(r => r.Status >= 400).Select(r => $"{r.Status} {r.Url}").ToList();
        var consoleErrors = browser.Console.Where(c => c.Level == "Severe").Select(c => c.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.Id("company-name")).Text, Is.EqualTo("Read-only view"));
            Assert.That(driver.FindElements(By.CssSelector(".panel.has-error")), Is.Empty, "no panel failed");
            Assert.That(driver.FindElement(By.Id("products-table")).Text, Does.Contain("not converted"), "the GBP revenue without a rate is shown, not dropped");
            Assert.That(failed, Is.Empty, string.Join("\n", failed));
            Assert.That(consoleErrors, Is.Empty, string.Join("\n", consoleErrors));
        });

        // docs/screenshots is refreshed on request (ATTRIBUTION_SCREENSHOTS=docs), so a test run leaves the tree clean.
        var directory = Environment.GetEnvironmentVariable("ATTRIBUTION_SCREENSHOTS") == "docs"
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : TestContext.CurrentContext.WorkDirectory;
        Directory.CreateDirectory(directory);
        var screenshot = Path.Combine(directory, $"dashboard-{name}.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        TestContext.AddTestAttachment(screenshot, $"The Revenue Impact page, viewer sign-in, {width}×{height}");
    }

    /// <summary>One credited chat order (dash-o1, 159.98 USD, conversation dash-1, variant A) and one order nobody earned (dash-o2, 40 USD).</summary>
    private static async Task SeedStoreAsync(TestCompany company)
    {
        var now = DateTimeOffset.UtcNow;
        string At(TimeSpan ago) => WireTime.Of(now - ago);
        using (var batch = await company.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "fp_d", channel = "CHAT", conversationId = "dash-1", variant = "A", text = "Shoes for a marathon?", occurredAt = At(TimeSpan.FromHours(3)) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "fp_d", channel = "CHAT", conversationId = "dash-1", variant = "A", helpful = true, occurredAt = At(TimeSpan.FromHours(2.9)) },
                new { kind = "cart", userFingerprint = "fp_d", type = "ITEM_ADDED", productId = "SKU-1", productName = "Black Running Shoes", value = 79.99m, currency = "USD", quantity = 2, occurredAt = At(TimeSpan.FromHours(2.5)) },
                new { kind = "checkout", userFingerprint = "fp_d", orderId = "dash-o1", value = 159.98m, currency = "USD", occurredAt = At(TimeSpan.FromHours(2)),
                      lineItems = new[] { new { productId = "SKU-1", productName = "Black Running Shoes", quantity = 2, value = 79.99m, currency = "USD" } } },
                new { kind = "checkout", userFingerprint = "fp_e", orderId = "dash-o2", value = 40.00m, currency = "USD", occurredAt = At(TimeSpan.FromHours(1)) },
            },
        }))
        {
            var body = await batch.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()), Is.All.EqualTo("accepted"));
            await StoredEvents.WaitForAsync(body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "the events stored");
        }
        await Projections.WaitForNonStaleAsync();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Attribution.sln"))) directory = directory.Parent;
        return directory?.FullName ?? TestContext.CurrentContext.WorkDirectory;
    }
}
