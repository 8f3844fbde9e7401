using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.IntegrationTests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

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

    /// <summary>
    /// Sign-in (a wrong secret refused), the tiles against the summary, the A/B arms with their sample size
    /// and conversion rate, the conversation lookup and explain, at desktop and phone width.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task Signing_in_shows_tiles_that_match_the_api_and_every_panel(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync("Dashboard store");
        await SeedStoreAsync(company);
        using (var diagnostics = await company.PostAsBrowserAsync("/v1/events/sdk-diagnostics",
                   new { rejections = new Dictionary<string, int> { ["type: unknown_cart_type"] = 3 } }))
            Assert.That(diagnostics.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the SDK's client-side rejections");

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

        using var browser = HeadlessChromium.Start($"{width},{height}");
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
            var sdk = driver.FindElement(By.CssSelector("#data-quality-list li[data-reason='sdk_unknown_cart_type']"));
            Assert.That(sdk.FindElement(By.CssSelector(".dq-label")).Text, Does.StartWith("Refused in the browser by the SDK"), "the SDK's rejections beside the server's");
            Assert.That(sdk.FindElement(By.CssSelector(".dq-count")).GetAttribute("data-value"), Is.EqualTo("3"));
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

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"revenue-impact-dashboard-{name}.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        TestContext.AddTestAttachment(screenshot, $"The Revenue Impact page after sign-in, {width}×{height}");
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
    /// summary) at desktop and phone sizes, with no failed request and no console error.
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

        var screenshot = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"dashboard-viewer-{name}.png");
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(screenshot);
        TestContext.AddTestAttachment(screenshot, $"The Revenue Impact page, viewer sign-in, {width}×{height}");
    }

    /// <summary>
    /// Presets, the range and currency in the URL (a reload and a shared link open the same view), each
    /// headline tile against the previous period of equal length, the currency switch limited to the
    /// currencies with a rate with GBP (no rate) shown unconverted in every panel, a 90-day range drawn
    /// from the first day with data, and an empty range that says where the data is, at desktop and phone width.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task Presets_and_the_url_keep_the_view_and_tiles_compare_with_the_previous_period(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync($"Range store {name}");
        await SeedStoreAsync(company);
        await SeedHistoryAsync(company);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string Day(int ago) => today.AddDays(-ago).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        async Task<JsonElement> Summary(int fromAgo, int toAgo, string? currency = null) =>
            await company.GetJsonAsync($"/v1/revenue/summary?from={Day(fromAgo)}&to={Day(toAgo)}{(currency is null ? "" : $"&currency={currency}")}");
        var week = await Summary(6, 0);
        var weekBefore = await Summary(13, 7);
        Assert.Multiple(() =>
        {
            Assert.That(weekBefore.GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(100m), "the data set: dash-o0 eight days ago");
            Assert.That(week.GetProperty("availableCurrencies").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "USD", "EUR" }));
        });

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        await SignInAsync(driver, company.ApiSecret);

        // The default view: the last 7 days, in the URL; each tile against the 7 days before.
        Assert.Multiple(() =>
        {
            Assert.That(driver.Url, Does.Contain($"from={Day(6)}&to={Day(0)}"));
            Assert.That(Pressed(driver), Is.EqualTo("7"));
            var change = driver.FindElement(By.Id("tile-checkout-revenue-change"));
            var expected = (week.GetProperty("checkoutRevenue").GetDecimal() - 100m) / 100m;
            Assert.That(decimal.Parse(change.GetAttribute("data-change")!, NumberStyles.Float, CultureInfo.InvariantCulture), Is.EqualTo(expected));
            Assert.That(change.Text, Does.EndWith("vs previous 7 days").And.StartWith("+"));
            Assert.That(driver.FindElement(By.Id("tile-attributed-orders-change")).GetAttribute("data-change"),
                Is.EqualTo(((week.GetProperty("attributedOrders").GetDecimal() - weekBefore.GetProperty("attributedOrders").GetDecimal()) / weekBefore.GetProperty("attributedOrders").GetDecimal()).ToString(CultureInfo.InvariantCulture)));
            Assert.That(driver.FindElement(By.Id("tile-attributed-share-change")).Text, Does.EndWith("pts vs previous 7 days"));

            // The switch is a list of the reporting currency and those with a rate, never free text.
            var currency = driver.FindElement(By.Id("currency"));
            Assert.That(currency.TagName, Is.EqualTo("select"));
            Assert.That(currency.FindElements(By.TagName("option")).Select(o => o.GetAttribute("value")), Is.EqualTo(new[] { "", "EUR" }));
            Assert.That(currency.FindElements(By.TagName("option"))[0].Text, Does.StartWith("USD").And.EndWith("(reporting)"));
        });

        // 30 days: the 30 days before hold nothing, and the tile says so rather than an infinite change.
        driver.FindElement(By.CssSelector("#range-form .preset[data-preset='30']")).Click();
        await WaitForLoadAsync(driver, $"from={Day(29)}&to={Day(0)}");
        Assert.Multiple(() =>
        {
            Assert.That(Pressed(driver), Is.EqualTo("30"));
            Assert.That(driver.FindElement(By.Id("tile-checkout-revenue-change")).Text, Is.EqualTo("New: none in the previous 30 days"));
            Assert.That(driver.FindElement(By.Id("tile-checkout-revenue-change")).GetAttribute("data-change"), Is.Empty);
            Assert.That(driver.FindElement(By.Id("tile-aov-change")).Text, Is.EqualTo("No orders in the previous 30 days to compare"));
        });

        // EUR: the figures are the API's in EUR, and the GBP order (no rate) is shown unconverted in every panel that has it.
        driver.FindElement(By.CssSelector("#currency option[value='EUR']")).Click();
        await WaitForLoadAsync(driver, $"from={Day(29)}&to={Day(0)}&currency=EUR");
        var inEuro = await Summary(29, 0, "EUR");
        AssertEuroView(driver, inEuro);

        // A reload keeps the range and the currency (and reads in EUR again).
        var before = browser.Requests.Count;
        driver.Navigate().Refresh();
        await WaitForLoadAsync(driver, $"from={Day(29)}&to={Day(0)}&currency=EUR");
        Assert.That(browser.Requests.Skip(before).Where(r => r.Url.Contains("/v1/revenue/summary?", StringComparison.Ordinal)).Select(r => r.Url),
            Has.Some.Contains($"from={Day(29)}&to={Day(0)}&currency=EUR"));
        AssertEuroView(driver, inEuro);

        // A shared link opens the same view in another browser, after its own sign-in.
        var link = driver.Url;
        using (var other = HeadlessChromium.Start($"{width},{height}"))
        {
            other.Driver.Navigate().GoToUrl(link);
            await SignInAsync(other.Driver, company.ApiSecret);
            AssertEuroView(other.Driver, inEuro);
            Assert.That(other.Requests.Where(r => r.Status >= 400), Is.Empty);
        }

        // 90 days over nine days of history: the chart starts at the first day with data, not packed to the right.
        var quarter = (await company.GetJsonAsync($"/v1/revenue/daily?from={Day(89)}&to={Day(0)}&currency=EUR")).EnumerateArray().ToList();
        var first = quarter.FindIndex(HasData);
        var start = Math.Min(first, quarter.Count - 7);
        driver.FindElement(By.CssSelector("#range-form .preset[data-preset='90']")).Click();
        await WaitForLoadAsync(driver, $"from={Day(89)}&to={Day(0)}&currency=EUR");
        Assert.Multiple(() =>
        {
            Assert.That(quarter[first].GetProperty("date").GetString(), Is.EqualTo(Day(8)), "the data set: nothing before dash-o0");
            Assert.That(driver.FindElements(By.CssSelector("#trend-chart svg g.day")).Select(g => g.GetAttribute("data-date")),
                Is.EqualTo(quarter.Skip(start).Select(d => d.GetProperty("date").GetString())));
            Assert.That(driver.FindElement(By.Id("trend-range-note")).GetAttribute("data-first"), Is.EqualTo(Day(8)));
            Assert.That(driver.FindElement(By.Id("trend-range-note")).Text, Does.StartWith("Nothing recorded from"));
            Assert.That(driver.FindElements(By.CssSelector("#trend-table tbody tr")), Has.Count.EqualTo(90), "the table keeps every day");
        });

        // An empty range draws no axis: it says where the data is, and one press goes there.
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/?from=2001-01-01&to=2001-01-31"));
        await WaitForLoadAsync(driver, "from=2001-01-01&to=2001-01-31");
        var note = driver.FindElement(By.Id("trend-range-note"));
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElements(By.CssSelector("#trend-chart svg")), Is.Empty);
            Assert.That(driver.FindElement(By.Id("trend-chart")).Displayed, Is.False);
            Assert.That(driver.FindElement(By.Id("cart-gmv-chart-box")).Displayed, Is.False);
            Assert.That(note.GetAttribute("data-first"), Is.EqualTo(Day(8)));
            Assert.That(note.Text, Does.StartWith("No checkout revenue or cart activity between").And.Contain("Your data starts on"));
            Assert.That(driver.FindElement(By.Id("daily-range-note")).Displayed, Is.True);
            Assert.That(Pressed(driver), Is.Null);
        });
        note.FindElement(By.CssSelector("button[data-jump]")).Click();
        await WaitForLoadAsync(driver, $"from={Day(8)}&to=");
        Assert.That(driver.FindElements(By.CssSelector("#trend-chart svg g.day")), Is.Not.Empty);

        AssertNothingFailed(browser);

        static void AssertEuroView(ChromeDriver driver, JsonElement inEuro)
        {
            string Text(string id) => driver.FindElement(By.Id(id)).Text;
            Assert.Multiple(() =>
            {
                Assert.That(driver.FindElement(By.Id("currency")).GetAttribute("value"), Is.EqualTo("EUR"));
                Assert.That(Pressed(driver), Is.EqualTo("30"));
                Assert.That(decimal.Parse(driver.FindElement(By.Id("tile-checkout-revenue")).GetAttribute("data-value")!, NumberStyles.Float, CultureInfo.InvariantCulture),
                    Is.EqualTo(inEuro.GetProperty("checkoutRevenue").GetDecimal()));
                Assert.That(Text("tile-checkout-revenue"), Does.Contain("€"));
                Assert.That(Text("summary-unconverted"), Does.Contain("No rate for GBP"));
                Assert.That(Text("trend-unconverted"), Does.Contain("£60.00"));
                Assert.That(Text("daily-unconverted"), Does.Contain("no rate for GBP"));
                Assert.That(driver.FindElement(By.CssSelector("#products-table tr[data-product-id='SKU-3']")).Text, Does.Contain("£60.00 not converted"));
                Assert.That(driver.FindElement(By.CssSelector("#variants-table tr[data-variant='B']")).Text, Does.Contain("£60.00 not converted"));
                Assert.That(driver.FindElement(By.CssSelector("#channels-tiles [data-channel='CHAT']")).Text, Does.Contain("£60.00 not converted"));
                Assert.That(driver.FindElement(By.CssSelector("#lift-table tr[data-measure='revenue']")).Text, Does.Contain("£60.00 not converted"));
                Assert.That(driver.FindElement(By.CssSelector("#conversations-table tr[data-conversation-id='dash-gbp']")).Text, Does.Contain("£60.00 not converted"));
            });
        }
    }

    /// <summary>
    /// Back and Forward walk the views kept in the URL: a preset, then a currency, each undone and redone,
    /// with the inputs, the pressed preset, the currency switch and the figures read for that view following
    /// the URL, at desktop and phone width; the skip link's entry reads nothing again.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task Back_and_forward_follow_the_range_and_currency_in_the_url(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync($"History store {name}");
        await SeedStoreAsync(company);
        await SeedHistoryAsync(company);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        string Day(int ago) => today.AddDays(-ago).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        async Task<decimal> Revenue(int fromAgo, string? currency = null) =>
            (await company.GetJsonAsync($"/v1/revenue/summary?from={Day(fromAgo)}&to={Day(0)}{(currency is null ? "" : $"&currency={currency}")}"))
                .GetProperty("checkoutRevenue").GetDecimal();
        var (week, month, monthInEuro) = (await Revenue(6), await Revenue(29), await Revenue(29, "EUR"));
        Assert.That(new[] { week, month, monthInEuro }, Is.Unique, "the data set: each view has figures of its own");

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        await SignInAsync(driver, company.ApiSecret);
        Assert.That(browser.Requests.Count(r => r.Url.Contains("/v1/revenue/summary", StringComparison.Ordinal)), Is.EqualTo(2),
            "one summary for the range and one for the period before it: the currency list comes from the first");
        driver.FindElement(By.CssSelector("#range-form .preset[data-preset='30']")).Click();
        await ExpectViewAsync(30, "", month);
        browser.Script("const s = document.getElementById('currency'); s.value = 'EUR'; s.dispatchEvent(new Event('change'));");
        await ExpectViewAsync(30, "EUR", monthInEuro);

        driver.Navigate().Back();
        await ExpectViewAsync(30, "", month);
        driver.Navigate().Back();
        await ExpectViewAsync(7, "", week);
        driver.Navigate().Forward();
        await ExpectViewAsync(30, "", month);
        driver.Navigate().Forward();
        await ExpectViewAsync(30, "EUR", monthInEuro);

        // The skip link adds an entry for its fragment only: going back from it keeps the view and reads nothing.
        var before = browser.Requests.Count;
        browser.Script("document.querySelector('.skip-link').click();");
        await Poll.UntilAsync(() => Task.FromResult(driver.Url), u => u.EndsWith("#main", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the skip link's fragment");
        driver.Navigate().Back();
        await ExpectViewAsync(30, "EUR", monthInEuro);
        Assert.That(browser.Requests.Skip(before).Where(r => r.Url.Contains("/v1/", StringComparison.Ordinal)).Select(r => r.Url), Is.Empty);

        AssertNothingFailed(browser);

        // Waits until the URL, the inputs and the switch show the last <days> days in <currency> and every panel
        // has read that view, then checks the pressed preset and that the figures are that view's own.
        async Task ExpectViewAsync(int days, string currency, decimal revenue)
        {
            var from = Day(days - 1);
            await Poll.UntilAsync(() => Task.FromResult(driver.Url.Contains($"from={from}&to={Day(0)}", StringComparison.Ordinal)
                    && driver.Url.Contains("currency=", StringComparison.Ordinal) == (currency != "")
                    && driver.FindElement(By.Id("from")).GetAttribute("value") == from
                    && driver.FindElement(By.Id("currency")).GetAttribute("value") == currency
                    && driver.FindElements(By.CssSelector("#dashboard[data-loaded='true']")).Count == 1),
                done => done, TimeSpan.FromSeconds(30), $"the view from {from} in '{currency}'; at {driver.Url}");
            Assert.Multiple(() =>
            {
                Assert.That(driver.FindElement(By.Id("to")).GetAttribute("value"), Is.EqualTo(Day(0)));
                Assert.That(Pressed(driver), Is.EqualTo(days.ToString(CultureInfo.InvariantCulture)));
                Assert.That(decimal.Parse(driver.FindElement(By.Id("tile-checkout-revenue")).GetAttribute("data-value")!, NumberStyles.Float, CultureInfo.InvariantCulture),
                    Is.EqualTo(revenue), $"the headline read for {days} days in '{currency}'");
                Assert.That(driver.FindElements(By.CssSelector("#trend-table tbody tr")), Has.Count.EqualTo(days));
                Assert.That(driver.FindElements(By.CssSelector(".panel.has-error")), Is.Empty, "no panel failed");
            });
        }
    }

    /// <summary>
    /// Products, variants and conversations sort from their headers with the keyboard (aria-sort on the
    /// sorted one), the rule version and data-quality reasons read as words with the code in a tooltip,
    /// and "Load more" brings the conversations of the next page, at desktop and phone width.
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task Tables_sort_from_the_keyboard_codes_read_as_words_and_conversations_load_more(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync("Sorting store");
        await SeedStoreAsync(company);
        await SeedHistoryAsync(company);
        await SeedConversationsAsync(company, 30);
        using (var diagnostics = await company.PostAsBrowserAsync("/v1/events/sdk-diagnostics",
                   new { rejections = new Dictionary<string, int> { ["type: unknown_cart_type"] = 2 } }))
            Assert.That(diagnostics.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), "the SDK's client-side rejections");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var range = $"from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        var summary = await company.GetJsonAsync($"/v1/revenue/summary?{range}");
        var allConversations = new List<string>();
        for (string? cursor = null; ;)
        {
            var page = await company.GetJsonAsync($"/v1/conversations?{range}&sort=revenue&limit=25{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            allConversations.AddRange(page.GetProperty("conversations").EnumerateArray().Select(c => c.GetProperty("conversationId").GetString()!));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null) break;
            cursor = page.GetProperty("nextCursor").GetString();
        }
        Assert.That(allConversations, Has.Count.EqualTo(32), "the data set: dash-1, dash-gbp and 30 more conversations, over two pages");

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        await SignInAsync(driver, company.ApiSecret);
        var desktop = name == "desktop"; // under 600 px the tiles' hints are hidden

        IReadOnlyList<string?> Sorted(string table) =>
            driver.FindElements(By.CssSelector($"#{table} th[aria-sort]")).Select(th => $"{th.GetAttribute("data-sort")} {th.GetAttribute("aria-sort")}").ToList();
        IWebElement Header(string table, string key) => driver.FindElement(By.CssSelector($"#{table} th[data-sort='{key}'] button"));
        List<string> Column(string selector) => driver.FindElements(By.CssSelector(selector)).Select(e => e.Text).ToList();

        // Products: by revenue as the API sends them; Enter on a header sorts A to Z, again Z to A.
        Assert.That(Sorted("products-table"), Is.EqualTo(new[] { "revenue descending" }));
        Header("products-table", "productName").SendKeys(Keys.Enter);
        Assert.Multiple(() =>
        {
            Assert.That(Sorted("products-table"), Is.EqualTo(new[] { "productName ascending" }));
            Assert.That(Column("#products-table tbody tr td:first-child"), Is.EqualTo(new[] { "Black Running Shoes", "Wool Socks" }));
        });
        Header("products-table", "productName").SendKeys(Keys.Enter);
        Assert.Multiple(() =>
        {
            Assert.That(Sorted("products-table"), Is.EqualTo(new[] { "productName descending" }));
            Assert.That(Column("#products-table tbody tr td:first-child"), Is.EqualTo(new[] { "Wool Socks", "Black Running Shoes" }));
        });
        Header("products-table", "quantity").SendKeys(Keys.Space);
        Assert.That(Sorted("products-table"), Is.EqualTo(new[] { "quantity descending" }));

        // Variants: Space on "Conversations" sorts the arms; "(no variant)" stays apart, last.
        Header("variants-table", "variant").SendKeys(Keys.Enter);
        Assert.That(Column("#variants-table tbody tr th"), Is.EqualTo(new[] { "A", "B", "(no variant)" }));
        Header("variants-table", "variant").SendKeys(Keys.Space);
        Assert.Multiple(() =>
        {
            Assert.That(Sorted("variants-table"), Is.EqualTo(new[] { "variant descending" }));
            Assert.That(Column("#variants-table tbody tr th"), Is.EqualTo(new[] { "B", "A", "(no variant)" }));
        });

        // Conversations: 25 of 32 at first, "Load more" brings the rest, each once, in the API's order.
        var rows = () => driver.FindElements(By.CssSelector("#conversations-table tbody tr[data-conversation-id]")).Select(r => r.GetAttribute("data-conversation-id")!).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rows(), Is.EqualTo(allConversations.Take(25)));
            Assert.That(Sorted("conversations-table"), Is.EqualTo(new[] { "revenue descending" }));
        });
        driver.FindElement(By.Id("conversations-more")).Click();
        await Poll.UntilAsync(() => Task.FromResult(rows()), r => r.Count == 32, TimeSpan.FromSeconds(15), "the second page of conversations");
        Assert.Multiple(() =>
        {
            Assert.That(rows(), Is.EqualTo(allConversations));
            Assert.That(driver.FindElement(By.Id("conversations-more")).Displayed, Is.False, "no third page");
        });

        // Enter on "Started" asks the server for the newest first, from the first page again.
        Header("conversations-table", "recent").SendKeys(Keys.Enter);
        await Poll.UntilAsync(() => Task.FromResult(browser.Requests.Any(r => r.Url.Contains("sort=recent", StringComparison.Ordinal) && r.Status == 200)
                && driver.FindElement(By.Id("conversations")).GetAttribute("aria-busy") is null), done => done, TimeSpan.FromSeconds(15), "the newest conversations");
        Assert.Multiple(() =>
        {
            Assert.That(Sorted("conversations-table"), Is.EqualTo(new[] { "recent descending" }));
            Assert.That(driver.FindElement(By.Id("conversations-sort")).GetAttribute("value"), Is.EqualTo("recent"));
            Assert.That(rows(), Has.Count.EqualTo(25));
            Assert.That(driver.FindElement(By.Id("conversations-more")).Displayed, Is.True);
        });

        // Words, with the codes in tooltips.
        var ruleVersion = summary.GetProperty("ruleVersion").GetString()!;
        var dataQuality = driver.FindElement(By.Id("data-quality-list"));
        var duplicate = driver.FindElement(By.CssSelector("#data-quality-list li[data-reason='duplicate_order'] .dq-label"));
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.Id("company-meta")).Text, Does.Not.Contain(ruleVersion).And.Contain("24 hours"));
            Assert.That(driver.FindElement(By.CssSelector("#company-meta .rule-words")).GetAttribute("title"), Does.Contain(ruleVersion));
            Assert.That(driver.FindElement(By.CssSelector(".dash-footer")).Text, Does.Not.Contain(ruleVersion).And.Contain("24 hours before the purchase"));
            Assert.That(driver.FindElement(By.CssSelector("#rule-version .rule-words")).GetAttribute("title"), Is.EqualTo($"Rule version: {ruleVersion}"));
            Assert.That(dataQuality.Text, Does.Not.Match("[a-z]+_[a-z]+"), "no snake_case code on show");
            Assert.That(duplicate.Text, Is.EqualTo("Duplicate order"));
            Assert.That(duplicate.GetAttribute("title"), Is.EqualTo("Code: duplicate_order"));
            if (desktop) Assert.That(driver.FindElement(By.Id("fig-fingerprint-coverage-hint")).Text, Does.Contain("visitor ID"));
            var sdk = driver.FindElement(By.CssSelector("#data-quality-list li[data-reason='sdk_unknown_cart_type']"));
            Assert.That(sdk.FindElement(By.CssSelector(".dq-label")).Text, Does.StartWith("Refused in the browser by the SDK"), "beside the server's reasons");
            Assert.That(sdk.FindElement(By.CssSelector(".dq-label")).GetAttribute("title"), Is.EqualTo("Code: sdk_unknown_cart_type"));
            Assert.That(sdk.FindElement(By.CssSelector(".dq-count")).GetAttribute("data-value"), Is.EqualTo("2"));
        });

        // The skip link is the first Tab stop of a fresh page (signed in again from the session), shows when focused and leads to the content.
        driver.Navigate().Refresh();
        await WaitForLoadAsync(driver, "from=");
        driver.FindElement(By.TagName("body")).SendKeys(Keys.Tab);
        var skip = driver.SwitchTo().ActiveElement();
        Assert.Multiple(() =>
        {
            Assert.That(skip.GetAttribute("class"), Does.Contain("skip-link"));
            Assert.That(skip.GetAttribute("href"), Does.EndWith("#main"));
            Assert.That(skip.Location.Y, Is.GreaterThanOrEqualTo(0), "on screen when focused");
            Assert.That(driver.FindElements(By.CssSelector("main#main")), Has.Count.EqualTo(1));
        });

        // Every visible text on the signed-in page reaches 4.5:1 against its background (WCAG AA).
        var lowContrast = ((IJavaScriptExecutor)driver).ExecuteScript(ContrastCheck.LowContrastScript) as IReadOnlyCollection<object>;
        Assert.That(lowContrast, Is.Empty, string.Join("\n", lowContrast ?? []));

        // The check catches a colour made too light (at desktop width, where the lift hint shows).
        if (desktop)
        {
            // A too-light colour: the lift hint at #777 on white (4.48:1) is reported, at
            // #767676 (4.54:1) it is not; the muted grey of the theme at #777 is reported wherever it is used.
            List<string> LowContrastWith(string css)
            {
                browser.Script("const s = document.createElement('style'); s.id = 'too-light'; s.textContent = arguments[0]; document.head.append(s);", css);
                var low = ((IReadOnlyCollection<object>)browser.Script(ContrastCheck.LowContrastScript)!).Cast<string>().ToList();
                browser.Script("document.getElementById('too-light').remove();");
                return low;
            }
            var hintTooLight = LowContrastWith("#lift .hint { color: #777 !important; background: #fff !important; }");
            var hintDarkEnough = LowContrastWith("#lift .hint { color: #767676 !important; background: #fff !important; }");
            var mutedTooLight = LowContrastWith(":root { --muted: #777; }");
            Assert.Multiple(() =>
            {
                Assert.That(hintTooLight, Has.Count.EqualTo(1), string.Join("\n", hintTooLight));
                Assert.That(hintTooLight.FirstOrDefault(), Does.StartWith("4.48:1 p.hint \"A visitor counts as helped"));
                Assert.That(hintDarkEnough, Is.Empty, string.Join("\n", hintDarkEnough));
                Assert.That(mutedTooLight, Has.Some.Contains("muted"), string.Join("\n", mutedTooLight));
                Assert.That(((IReadOnlyCollection<object>)browser.Script(ContrastCheck.LowContrastScript)!), Is.Empty, "the page as it was once the style is gone");
            });
        }

        AssertNothingFailed(browser);
    }

    /// <summary>
    /// Under 600 px a table wider than the screen scrolls inside its own box with its first column fixed and
    /// opaque, the page never scrolls sideways, the two-column panels stack and the tile hints hide; the same
    /// page widened to 1440 px lays the tables out plainly again, side by side, hints shown.
    /// </summary>
    [Test]
    public async Task Under_600px_wide_tables_scroll_in_their_box_with_the_first_column_fixed()
    {
        var company = await _system.CreateCompanyAsync("Phone tables store");
        await SeedStoreAsync(company);
        await SeedHistoryAsync(company);

        using var browser = HeadlessChromium.Start("390,844");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));
        await SignInAsync(driver, company.ApiSecret);

        var phone = Layout();
        var phoneTables = phone.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        var scrolling = phoneTables.Values.Where(t => t.GetProperty("overflow").GetDouble() > 0).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(phone.GetProperty("width").GetDouble(), Is.LessThanOrEqualTo(600), "the window is a phone's");
            Assert.That(phone.GetProperty("pageOverflow").GetDouble(), Is.LessThanOrEqualTo(0), "the page never scrolls sideways");
            Assert.That(phoneTables.Keys, Is.SupersetOf(new[] { "variants-table", "lift-table", "products-table", "conversations-table" }));
            Assert.That(phoneTables["variants-table"].GetProperty("overflow").GetDouble(), Is.GreaterThan(100),
                "the data set: the A/B table is far wider than a phone, so it has to scroll");
            foreach (var table in phoneTables.Values)
            {
                var id = table.GetProperty("id").GetString();
                Assert.That(table.GetProperty("boxLeft").GetDouble(), Is.GreaterThanOrEqualTo(0), $"{id}'s box starts on the screen");
                Assert.That(table.GetProperty("boxRight").GetDouble(), Is.LessThanOrEqualTo(phone.GetProperty("width").GetDouble()), $"{id}'s box ends on the screen");
            }
            foreach (var table in scrolling)
            {
                var id = table.GetProperty("id").GetString();
                var scrolled = table.GetProperty("scrolled").GetDouble();
                Assert.That(scrolled, Is.GreaterThan(0), $"{id} scrolls inside its box");
                Assert.That(table.GetProperty("firstPosition").GetString(), Is.EqualTo("sticky"), id);
                Assert.That(table.GetProperty("firstMoved").GetDouble(), Is.LessThanOrEqualTo(1), $"{id}'s first column stays put while it scrolls");
                Assert.That(table.GetProperty("lastMoved").GetDouble(), Is.EqualTo(scrolled).Within(1), $"{id}'s other columns scroll under it");
                Assert.That(table.GetProperty("firstBackground").GetString(), Does.StartWith("rgb("), $"{id}'s first column is opaque over what scrolls under it");
            }
            Assert.That(phone.GetProperty("gridStacked").GetBoolean(), Is.True, "products above data quality");
            Assert.That(phone.GetProperty("tileHintsShown").GetInt32(), Is.Zero);
        });

        // The same page at desktop width: the media queries no longer apply.
        driver.Manage().Window.Size = new System.Drawing.Size(1440, 900);
        await Poll.UntilAsync(() => Task.FromResult(browser.Script("return matchMedia('(max-width: 600px)').matches;") as bool?), m => m == false,
            TimeSpan.FromSeconds(10), "the window to widen");
        var desktop = Layout();
        var desktopTables = desktop.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(desktop.GetProperty("pageOverflow").GetDouble(), Is.LessThanOrEqualTo(0));
            Assert.That(desktopTables["variants-table"].GetProperty("overflow").GetDouble(), Is.LessThanOrEqualTo(0), "the A/B table fits at desktop width");
            Assert.That(desktopTables.Values.Select(t => t.GetProperty("firstPosition").GetString()), Is.All.EqualTo("static"));
            Assert.That(desktop.GetProperty("gridStacked").GetBoolean(), Is.False, "products beside data quality");
            Assert.That(desktop.GetProperty("tileHintsShown").GetInt32(), Is.GreaterThan(0));
        });

        AssertNothingFailed(browser);

        // Measures each visible table: how far it overflows its box, and where its first and last cells go
        // when the box is scrolled to the end (then back); plus the page's own sideways overflow.
        JsonElement Layout() => JsonSerializer.Deserialize<JsonElement>((string)browser.Script("""
            const tables = [];
            for (const wrap of document.querySelectorAll('#dashboard .table-wrap')) {
              const table = wrap.querySelector('table');
              const rows = [...table.rows].filter((r) => r.cells.length > 1);
              if (!wrap.getClientRects().length || !rows.length) continue;
              const lefts = () => rows.map((r) => [r.cells[0].getBoundingClientRect().left, r.cells[r.cells.length - 1].getBoundingClientRect().left]);
              wrap.scrollLeft = 0;
              const before = lefts();
              wrap.scrollLeft = wrap.scrollWidth;
              const scrolled = wrap.scrollLeft;
              const after = lefts();
              wrap.scrollLeft = 0;
              const box = wrap.getBoundingClientRect();
              tables.push({
                id: table.id, boxLeft: box.left, boxRight: box.right, overflow: wrap.scrollWidth - wrap.clientWidth, scrolled,
                firstMoved: Math.max(...before.map((b, i) => Math.abs(after[i][0] - b[0]))),
                lastMoved: Math.min(...before.map((b, i) => b[1] - after[i][1])),
                firstPosition: getComputedStyle(rows[rows.length - 1].cells[0]).position,
                firstBackground: getComputedStyle(rows[rows.length - 1].cells[0]).backgroundColor,
              });
            }
            const products = document.getElementById('products').getBoundingClientRect();
            const quality = document.getElementById('data-quality').getBoundingClientRect();
            return JSON.stringify({
              width: document.documentElement.clientWidth,
              pageOverflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
              tables,
              gridStacked: quality.top >= products.bottom,
              tileHintsShown: [...document.querySelectorAll('.tile-hint')].filter((h) => h.getClientRects().length).length,
            });
            """)!);
    }

    /// <summary>
    /// Each view at desktop and phone width, kept as a screenshot; with ATTRIBUTION_SCREENSHOTS=docs they
    /// go to docs/screenshots, which README.md links (otherwise with the test results, so a run leaves the tree clean).
    /// </summary>
    [TestCase(1440, 900, "desktop")]
    [TestCase(390, 844, "phone")]
    public async Task Each_view_is_kept_as_a_screenshot(int width, int height, string name)
    {
        var company = await _system.CreateCompanyAsync("Northwind Running");
        await SeedStoreAsync(company);
        await SeedHistoryAsync(company);
        using var created = await _system.AdminAsync(HttpMethod.Post, $"/v1/admin/companies/{company.CompanyKey}/viewer-tokens", new { name = "Board" });
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var viewerToken = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("viewerToken").GetString()!;

        var directory = Environment.GetEnvironmentVariable("ATTRIBUTION_SCREENSHOTS") == "docs"
            ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
            : TestContext.CurrentContext.WorkDirectory;
        Directory.CreateDirectory(directory);
        void Keep(string file, ITakesScreenshot what, string description)
        {
            var path = Path.Combine(directory, file);
            what.GetScreenshot().SaveAsFile(path);
            TestContext.AddTestAttachment(path, $"{description}, {width}×{height}");
        }

        using var browser = HeadlessChromium.Start($"{width},{height}");
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(_system.Http.BaseAddress!, "/dashboard/"));

        // The sign-in screen as a viewer meets it, a read-only token typed in; the views below are the secret's.
        driver.FindElement(By.Id("api-secret")).SendKeys(viewerToken);
        ((IJavaScriptExecutor)driver).ExecuteScript("document.activeElement.blur();");
        Assert.Multiple(() =>
        {
            Assert.That(driver.FindElement(By.CssSelector("label[for='api-secret']")).Text, Does.Contain("viewer token"));
            Assert.That(driver.FindElement(By.Id("api-secret")).GetAttribute("value"), Is.EqualTo(viewerToken));
        });
        Keep($"viewer-signin-{name}.png", driver, "Signing in with a read-only viewer token");
        driver.FindElement(By.Id("api-secret")).Clear();

        await SignInAsync(driver, company.ApiSecret);
        driver.FindElement(By.CssSelector("#range-form .preset[data-preset='30']")).Click();
        await WaitForLoadAsync(driver, "from=");
        driver.FindElement(By.CssSelector("#conversations-table tr[data-conversation-id='dash-1'] button")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.CssSelector("#transcript-messages li")).Count), n => n == 2,
            TimeSpan.FromSeconds(15), "the transcript");
        driver.FindElement(By.Id("explain-id")).SendKeys("dash-o1");
        driver.FindElement(By.Id("explain-submit")).Click();
        await Poll.UntilAsync(() => Task.FromResult(driver.FindElements(By.CssSelector("#explain-timeline li")).Count), n => n > 0,
            TimeSpan.FromSeconds(15), "the explained order");
        ((IJavaScriptExecutor)driver).ExecuteScript("document.activeElement.blur(); window.scrollTo(0, 0);");
        AssertNothingFailed(browser);

        Keep($"dashboard-{name}.png", driver, "The Revenue Impact page as it opens");

        // A window as tall as the page, at the same width, so each view is shot whole (an element is clipped to the viewport).
        var pageHeight = Convert.ToInt32(((IJavaScriptExecutor)driver).ExecuteScript("return document.documentElement.scrollHeight;"), CultureInfo.InvariantCulture);
        driver.Manage().Window.Size = new System.Drawing.Size(driver.Manage().Window.Size.Width, Math.Max(height, pageHeight + 200));
        foreach (var (view, selector, description) in new[]
        {
            ("headline", "#summary", "Headline figures against the previous period"),
            ("trend", "#trend", "Revenue trend"),
            ("cart-gmv", "#daily", "Daily cart GMV"),
            ("lift", "#lift", "Helped visitors against the rest"),
            ("channels", "#channels", "By channel"),
            ("variants", "#variants", "A/B variants"),
            ("products-quality", ".grid-2", "Products and data quality"),
            ("conversations", "#conversations", "Conversations with a transcript open"),
            ("explain", "#explain", "Why an order was credited"),
        })
        {
            var element = driver.FindElement(By.CssSelector(selector));
            ((IJavaScriptExecutor)driver).ExecuteScript("arguments[0].scrollIntoView({ block: 'start' });", element);
            Keep($"{view}-{name}.png", (ITakesScreenshot)element, description);
        }
    }

    internal static async Task SignInAsync(ChromeDriver driver, string secret)
    {
        driver.FindElement(By.Id("api-secret")).SendKeys(secret);
        driver.FindElement(By.Id("signin-submit")).Click();
        await WaitForLoadAsync(driver, "from=");
    }

    /// <summary>Waits until every panel has loaded the view whose URL holds <paramref name="query"/>.</summary>
    private static Task<bool> WaitForLoadAsync(ChromeDriver driver, string query) =>
        Poll.UntilAsync(() => Task.FromResult(driver.Url.Contains(query, StringComparison.Ordinal)
                && driver.FindElements(By.CssSelector("#dashboard[data-loaded='true']")).Count == 1),
            done => done, TimeSpan.FromSeconds(30), $"every panel to load ({query}); at {driver.Url}");

    private static string? Pressed(ChromeDriver driver) =>
        driver.FindElements(By.CssSelector("#range-form .preset[aria-pressed='true']")).Select(b => b.GetAttribute("data-preset")).SingleOrDefault();

    private static bool HasData(JsonElement day) =>
        new[] { "attributedRevenue", "totalCheckoutRevenue", "orders", "attributedOrders", "cartGmv" }.Any(k => day.GetProperty(k).GetDecimal() != 0)
        || (day.TryGetProperty("unconverted", out var u) && u.ValueKind == JsonValueKind.Array && u.GetArrayLength() > 0);

    internal static void AssertNothingFailed(HeadlessChromium browser)
    {
        var failed = browser.Requests.Where(r => r.Status >= 400).Select(r => $"{r.Status} {r.Url}").ToList();
        var consoleErrors = browser.Console.Where(c => c.Level == "Severe").Select(c => c.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(failed, Is.Empty, string.Join("\n", failed));
            Assert.That(consoleErrors, Is.Empty, string.Join("\n", consoleErrors));
        });
    }

    /// <summary>
    /// Beside <see cref="SeedStoreAsync"/>: an EUR rate (GBP has none); eight days ago a credited chat order
    /// (dash-o0, 100 USD, variant A); today a credited GBP order (dash-o3, 60 GBP of Wool Socks, conversation dash-gbp, variant B).
    /// </summary>
    private async Task SeedHistoryAsync(TestCompany company)
    {
        var now = DateTimeOffset.UtcNow;
        string At(TimeSpan ago) => WireTime.Of(now - ago);
        using (var rates = await _system.AdminAsync(HttpMethod.Put, $"/v1/admin/companies/{company.CompanyKey}/fx-rates",
                   new { date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rates = new Dictionary<string, decimal> { ["EUR"] = 1.08m } }))
            Assert.That(rates.IsSuccessStatusCode, Is.True, await rates.Content.ReadAsStringAsync());
        await SendAsync(company,
        [
            new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "fp_p", channel = "CHAT", conversationId = "dash-prev", variant = "A", text = "A gift for a runner?", occurredAt = At(TimeSpan.FromDays(8) + TimeSpan.FromMinutes(20)) },
            new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "fp_p", channel = "CHAT", conversationId = "dash-prev", variant = "A", helpful = true, occurredAt = At(TimeSpan.FromDays(8) + TimeSpan.FromMinutes(19)) },
            new { kind = "checkout", userFingerprint = "fp_p", orderId = "dash-o0", value = 100.00m, currency = "USD", occurredAt = At(TimeSpan.FromDays(8)),
                  lineItems = new[] { new { productId = "SKU-2", productName = "Running Socks", quantity = 4, value = 25.00m, currency = "USD" } } },
            new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = "fp_g", channel = "CHAT", conversationId = "dash-gbp", variant = "B", text = "Do you ship wool socks to London?", occurredAt = At(TimeSpan.FromHours(5)) },
            new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = "fp_g", channel = "CHAT", conversationId = "dash-gbp", variant = "B", helpful = true, occurredAt = At(TimeSpan.FromHours(4.9)) },
            new { kind = "cart", userFingerprint = "fp_g", type = "ITEM_ADDED", productId = "SKU-3", productName = "Wool Socks", value = 30.00m, currency = "GBP", quantity = 2, occurredAt = At(TimeSpan.FromHours(4.5)) },
            new { kind = "checkout", userFingerprint = "fp_g", orderId = "dash-o3", value = 60.00m, currency = "GBP", occurredAt = At(TimeSpan.FromHours(4)),
                  lineItems = new[] { new { productId = "SKU-3", productName = "Wool Socks", quantity = 2, value = 30.00m, currency = "GBP" } } },
        ]);
    }

    /// <summary><paramref name="count"/> chat conversations with one unanswered question each (page-01…), no variant.</summary>
    private static Task SeedConversationsAsync(TestCompany company, int count)
    {
        var now = DateTimeOffset.UtcNow;
        return SendAsync(company, [.. Enumerable.Range(1, count).Select(i => (object)new
        {
            kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = $"fp_page{i}", channel = "CHAT",
            conversationId = $"page-{i:00}", text = $"Question {i}", occurredAt = WireTime.Of(now.AddMinutes(-30 - i)),
        })]);
    }

    private static async Task SendAsync(TestCompany company, object[] events)
    {
        using var batch = await company.PostAsServerAsync("/v1/events/batch", new { events });
        var body = await batch.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()), Is.All.EqualTo("accepted"), body.ToString());
        await StoredEvents.WaitForAsync(body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("eventId").GetGuid()).ToList(), "the events stored");
        await Projections.WaitForNonStaleAsync();
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

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Attribution.sln"))) directory = directory.Parent;
        return directory?.FullName ?? TestContext.CurrentContext.WorkDirectory;
    }
}
