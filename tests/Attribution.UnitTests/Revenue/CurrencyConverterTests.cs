using Attribution.Gateway.Revenue;
using Attribution.Domain.Companies;

namespace Attribution.UnitTests.Revenue;

public sealed class CurrencyConverterTests
{
    private static readonly DateOnly Nov1 = new(2026, 11, 1);

    private static readonly CurrencyConverter Fx = new("USD", new Dictionary<string, IReadOnlyList<(DateOnly, decimal)>>
    {
        ["EUR"] = [(Nov1, 1.10m), (Nov1.AddDays(10), 1.20m)],
    });

    [Test]
    public void An_amount_converts_at_the_rate_in_force_on_its_own_day()
    {
        Assert.That(Fx.Convert(100m, "EUR", Nov1, "USD"), Is.EqualTo(110m));
        Assert.That(Fx.Convert(100m, "EUR", Nov1.AddDays(9), "USD"), Is.EqualTo(110m));
        Assert.That(Fx.Convert(100m, "EUR", Nov1.AddDays(10), "USD"), Is.EqualTo(120m));
    }

    [Test]
    public void Before_the_first_rate_or_without_any_there_is_no_conversion()
    {
        Assert.That(Fx.Convert(100m, "EUR", Nov1.AddDays(-1), "USD"), Is.Null);
        Assert.That(Fx.Convert(100m, "GBP", Nov1, "USD"), Is.Null);
        Assert.That(Fx.Convert(100m, "GBP", Nov1, "GBP"), Is.EqualTo(100m), "an amount in the view's own currency needs no rate");
    }

    [Test]
    public void Another_view_currency_goes_through_the_reporting_currency()
    {
        Assert.That(Fx.Convert(110m, "USD", Nov1, "EUR"), Is.EqualTo(100m));
    }

    [Test]
    public void A_money_sum_keeps_what_it_cannot_convert_per_currency()
    {
        var sum = new MoneySum(Fx, "USD");
        Assert.That(sum.Add(10m, "EUR", Nov1), Is.True);
        Assert.That(sum.Add(5m, "GBP", Nov1), Is.False);
        Assert.That(sum.Add(7m, "GBP", Nov1), Is.False);
        Assert.That(sum.Value, Is.EqualTo(11.00m));
        Assert.That(sum.Unconverted, Is.EqualTo(new Dictionary<string, decimal> { ["GBP"] = 12m }));
    }

    [TestCase(1.005, "USD", 1.01)]
    [TestCase(1.5, "JPY", 2)]
    [TestCase(1.0005, "KWD", 1.001)]
    public void Amounts_round_to_the_currency_minor_units(decimal amount, string currency, decimal expected) =>
        Assert.That(CurrencyConverter.Round(amount, currency), Is.EqualTo(expected));
}

public sealed class CompanyCalendarTests
{
    [TestCase("2026-11-16T04:59:59Z", "America/Bogota", "2026-11-15")]
    [TestCase("2026-11-16T05:00:00Z", "America/Bogota", "2026-11-16")]
    [TestCase("2026-11-15T15:00:00Z", "Asia/Tokyo", "2026-11-16")]
    [TestCase("2026-11-16T10:00:00Z", "UTC", "2026-11-16")]
    public void An_instant_falls_on_the_company_day_of_its_zone(string instant, string zone, string day) =>
        Assert.That(CompanyCalendar.DayOf(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), CompanyCalendar.FindZone(zone)!),
            Is.EqualTo(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void A_daylight_saving_day_is_25_hours_long_and_bounds_are_utc()
    {
        var berlin = CompanyCalendar.FindZone("Europe/Berlin")!;
        var (start, end) = CompanyCalendar.Bounds(new DateOnly(2026, 10, 25), new DateOnly(2026, 10, 25), berlin);
        Assert.That(end - start, Is.EqualTo(TimeSpan.FromHours(25)));
        Assert.That(start.Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(start, Is.EqualTo(new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void Unknown_zones_are_not_found() => Assert.That(CompanyCalendar.FindZone("Mars/Olympus"), Is.Null);
}
