using System.Globalization;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.Dashboard;

/// <summary>
/// The contrast check itself, in headless Chromium on a blank page (no running system): WCAG's known pairs
/// give their known ratios, and a text just under 4.5:1 is reported while one just over is not, so a colour
/// made too light on the dashboard fails its test.
/// </summary>
[NonParallelizable]
public sealed class ContrastCheckTests
{
    private HeadlessChromium _browser = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _browser = HeadlessChromium.Start("800,600");
        _browser.Driver.Navigate().GoToUrl("about:blank");
    }

    [OneTimeTearDown]
    public void Stop() => _browser.Dispose();

    [TestCase("#000", "#fff", 21.0)]
    [TestCase("#fff", "#fff", 1.0)]
    [TestCase("#777", "#fff", 4.48)]
    [TestCase("#fff", "#777", 4.48)]
    [TestCase("#767676", "#fff", 4.54)]
    [TestCase("#595959", "#fff", 7.0)]
    public void The_ratio_is_wcag_s_for_known_pairs(string color, string background, double expected)
    {
        var ratio = Convert.ToDouble(
            _browser.Script(ContrastCheck.RatioFunctions + "return contrastRatio(cssColor(arguments[0]), cssColor(arguments[1]));", color, background),
            CultureInfo.InvariantCulture);
        Assert.That(ratio, Is.EqualTo(expected).Within(0.005));
    }

    [Test]
    public void Text_under_4_5_to_1_is_reported_and_text_over_it_is_not()
    {
        // The background is the first opaque one behind the text: a translucent box is looked through.
        _browser.Script("""
            document.body.innerHTML = `
              <p style="color: #777; background: #fff">Too light</p>
              <p style="color: #767676; background: #fff">Just dark enough</p>
              <div style="background: #777"><span style="color: #fff">White on its parent's grey</span></div>
              <div style="background: rgba(0, 0, 0, 0.5)"><span style="color: #767676">Over a translucent box</span></div>
              <p style="color: #777; background: #fff; visibility: hidden">Hidden</p>`;
            """);
        var low = ((IReadOnlyCollection<object>)_browser.Script(ContrastCheck.LowContrastScript)!).Cast<string>().ToList();
        Assert.That(low, Is.EqualTo(new[] { "4.48:1 p. \"Too light\"", "4.48:1 span. \"White on its parent's grey\"" }));
    }
}
