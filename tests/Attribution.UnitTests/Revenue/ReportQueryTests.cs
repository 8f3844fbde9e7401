using Attribution.Gateway.Revenue;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Attribution.Domain.Companies;

namespace Attribution.UnitTests.Revenue;

/// <summary>
/// The from/to/currency of every read (contract §6): a date before 2000-01-01 or after 2100-12-31,
/// or a range longer than 3 years, is a 400 naming the parameter, never a 500.
/// </summary>
public sealed class ReportQueryTests
{
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

    private static Company Shop(string timeZone = "UTC") => new() { CompanyKey = "ck", Name = "Shop", ReportingCurrency = "USD", TimeZone = timeZone };

    private static (ReportQuery? Query, IReadOnlyDictionary<string, string[]>? Errors) Parse(string queryString, string timeZone = "UTC")
    {
        var query = new QueryCollection(queryString.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => new StringValues(p.Length > 1 ? p[1] : "")));
        return ReportQuery.Parse(query, Shop(timeZone), Clock);
    }

    private static string[] Rejected(string queryString, string timeZone = "UTC")
    {
        var (query, errors) = Parse(queryString, timeZone);
        Assert.That(query, Is.Null);
        return [.. errors!.Keys];
    }

    // query, time zone, the parameters named
    [TestCase("to=0001-01-01", "UTC", new[] { "to" }, TestName = "to in year 1")]
    [TestCase("from=9999-12-31&to=9999-12-31", "UTC", new[] { "from", "to" }, TestName = "from and to at the last day .NET knows")]
    [TestCase("from=0001-01-01&to=0001-01-01", "America/New_York", new[] { "from", "to" }, TestName = "year 1 in a negative-offset zone")]
    [TestCase("from=9999-12-31&to=9999-12-31", "Pacific/Kiritimati", new[] { "from", "to" }, TestName = "year 9999 in a positive-offset zone")]
    [TestCase("from=1999-12-31&to=2000-01-10", "UTC", new[] { "from" }, TestName = "from the day before 2000")]
    [TestCase("from=2100-12-01&to=2101-01-01", "UTC", new[] { "to" }, TestName = "to the day after 2100")]
    [TestCase("to=2101-01-01", "UTC", new[] { "to" }, TestName = "to after 2100 without from")]
    [TestCase("from=0001-01-01", "UTC", new[] { "from" }, TestName = "from in year 1 without to")]
    public void A_date_outside_2000_to_2100_is_named(string queryString, string timeZone, string[] named) =>
        Assert.That(Rejected(queryString, timeZone), Is.EquivalentTo(named));

    [TestCase("from=2000-01-01&to=2000-01-01", "America/Los_Angeles", TestName = "the first day in a negative-offset zone")]
    [TestCase("from=2100-12-31&to=2100-12-31", "Pacific/Kiritimati", TestName = "the last day in a positive-offset zone")]
    [TestCase("from=2000-01-01&to=2002-12-31", "UTC", TestName = "exactly three years")]
    [TestCase("from=2098-01-01&to=2100-12-31", "Asia/Tokyo", TestName = "the last three years")]
    [TestCase("from=2024-02-29&to=2027-02-27", "UTC", TestName = "three years from a 29 February")]
    public void Dates_at_the_edges_are_answered_with_bounds_in_every_zone(string queryString, string timeZone)
    {
        var (query, errors) = Parse(queryString, timeZone);

        Assert.That(errors, Is.Null);
        var (start, end) = query!.Bounds;
        Assert.That(end, Is.GreaterThan(start));
        Assert.That(query.Days().Count(), Is.EqualTo(query.To.DayNumber - query.From.DayNumber + 1));
    }

    [Test]
    public void Two_years_are_a_valid_range()
    {
        var (query, errors) = Parse("from=2024-01-01&to=2025-12-31");

        Assert.That(errors, Is.Null);
        Assert.That(query!.From, Is.EqualTo(new DateOnly(2024, 1, 1)));
        Assert.That(query.To, Is.EqualTo(new DateOnly(2025, 12, 31)));
    }

    [Test]
    public void A_range_of_three_years_and_a_day_names_to()
    {
        var (query, errors) = Parse("from=2000-01-01&to=2003-01-01");

        Assert.That(query, Is.Null);
        Assert.That(errors!.Keys, Is.EquivalentTo(new[] { "to" }));
        Assert.That(errors["to"][0], Does.Contain("3 years"));
    }

    [Test]
    public void A_from_more_than_three_years_before_today_names_from_when_to_is_left_out() =>
        Assert.That(Rejected("from=2020-01-01"), Is.EquivalentTo(new[] { "from" }));

    [Test]
    public void Without_from_the_default_30_days_start_no_earlier_than_2000()
    {
        var (query, errors) = Parse("to=2000-01-05");

        Assert.That(errors, Is.Null);
        Assert.That(query!.From, Is.EqualTo(new DateOnly(2000, 1, 1)));
    }

    [Test]
    public void Without_from_and_to_the_range_is_the_last_30_days()
    {
        var (query, _) = Parse("");

        Assert.That(query!.To, Is.EqualTo(new DateOnly(2026, 11, 21)));
        Assert.That(query.From, Is.EqualTo(new DateOnly(2026, 10, 23)));
    }

    [TestCase("from=2026-13-01", "from")]
    [TestCase("to=21-11-2026", "to")]
    [TestCase("from=2026-11-21&to=2026-11-20", "from")]
    [TestCase("currency=usd", "currency")]
    public void Other_bad_parameters_are_still_named(string queryString, string named) =>
        Assert.That(Rejected(queryString), Is.EquivalentTo(new[] { named }));
}
