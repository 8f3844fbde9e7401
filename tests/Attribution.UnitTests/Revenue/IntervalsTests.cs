using Attribution.Gateway.Conversations;
using Attribution.Gateway.Revenue;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Attribution.UnitTests.Revenue;

/// <summary>The 95 % intervals of the lift and variant reads, and the conversation list's cursor, against hand-computed values.</summary>
public sealed class IntervalsTests
{
    [Test]
    public void Rate_ratio_is_katz_log_interval()
    {
        // (5/6) / (4/6) = 1.25; se = √(1/5 − 1/6 + 1/4 − 1/6) = 0.34157; 1.25 × exp(±1.96·se) = 0.64, 2.4415.
        var interval = Intervals.RateRatio(5, 6, 4, 6)!;
        Assert.That((interval.Low, interval.High), Is.EqualTo((0.64m, 2.4415m)));
    }

    [Test]
    public void Mean_ratio_uses_sample_variances_on_the_log_scale()
    {
        var interval = Intervals.MeanRatio([100m, 50m, 80m, 70m, 40m], [60m, 30m, 90m])!;
        Assert.That((interval.Low, interval.High), Is.EqualTo((0.5952m, 2.1581m)));
    }

    [Test]
    public void Rate_difference_is_wald_and_significant_only_when_it_excludes_zero()
    {
        var notYet = Intervals.RateDifference(2, 2, 1, 2)!;
        Assert.That((notYet.Low, notYet.High, notYet.ExcludesZero), Is.EqualTo((-1.193m, 0.193m, false)));
        var clear = Intervals.RateDifference(10, 1000, 100, 1000)!;
        Assert.That(clear.ExcludesZero, Is.True);
    }

    [Test]
    public void No_interval_without_the_sample_it_needs()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Intervals.RateRatio(0, 10, 3, 10), Is.Null, "no conversions in one group");
            Assert.That(Intervals.RateRatio(3, 10, 3, 0), Is.Null, "an empty group");
            Assert.That(Intervals.MeanRatio([10m], [10m, 20m]), Is.Null, "a single order");
            Assert.That(Intervals.RateDifference(1, 0, 1, 2), Is.Null);
        });
    }

    [Test]
    public void A_cursor_continues_after_the_row_it_names_even_when_rows_were_added()
    {
        var (page, _) = ConversationPage.Parse(Query(("sort", "revenue"), ("limit", "2")));
        var rows = new[] { ("c", 50m), ("a", 100m), ("b", 100m), ("d", 0m) };
        var (first, cursor) = page!.Take(rows, r => new ConversationPage.Position(r.Item2, r.Item1));
        Assert.That(first.Select(r => r.Item1), Is.EqualTo(new[] { "a", "b" }));

        var (next, _) = ConversationPage.Parse(Query(("sort", "revenue"), ("limit", "2"), ("cursor", cursor!)));
        var (second, last) = next!.Take(rows.Append(("aa", 100m)), r => new ConversationPage.Position(r.Item2, r.Item1));
        Assert.That(second.Select(r => r.Item1), Is.EqualTo(new[] { "c", "d" }), "a row added before the cursor is not shown again");
        Assert.That(last, Is.Null);
    }

    [TestCase("sort", "best")]
    [TestCase("limit", "0")]
    [TestCase("limit", "1e3")]
    [TestCase("cursor", "%%%")]
    public void A_bad_page_parameter_is_named(string name, string value)
    {
        var (page, errors) = ConversationPage.Parse(Query((name, value)));
        Assert.That(page, Is.Null);
        Assert.That(errors.Has(name), Is.True);
    }

    [Test]
    public void A_cursor_of_one_sort_is_not_one_of_the_other()
    {
        var cursor = ConversationPage.Encode("recent", new ConversationPage.Position(42, "c1"));
        Assert.That(ConversationPage.Decode(cursor, "recent"), Is.EqualTo(new ConversationPage.Position(42, "c1")));
        Assert.That(ConversationPage.Decode(cursor, "revenue"), Is.Null);
    }

    private static QueryCollection Query(params (string Name, string Value)[] values) =>
        new(values.ToDictionary(v => v.Name, v => new StringValues(v.Value)));
}
