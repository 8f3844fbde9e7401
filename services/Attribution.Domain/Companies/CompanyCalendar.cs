using NodaTime;

namespace Attribution.Domain.Companies;

/// <summary>
/// A company's days (contract §6: dates are in the company's time zone). Zone data is NodaTime's
/// embedded IANA database, so a day is the same on every machine whatever its OS zone files say.
/// </summary>
public static class CompanyCalendar
{
    public static DateTimeZone? FindZone(string timeZoneId) => DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZoneId);

    public static DateTimeZone ZoneOf(Company company) => FindZone(company.TimeZone) ?? DateTimeZone.Utc;

    /// <summary>The company's calendar day on which an instant falls.</summary>
    public static DateOnly DayOf(DateTimeOffset at, DateTimeZone zone) =>
        Instant.FromDateTimeOffset(at).InZone(zone).Date.ToDateOnly();

    public static DateOnly Today(DateTimeZone zone, TimeProvider time) => DayOf(time.GetUtcNow(), zone);

    /// <summary>[start of <paramref name="from"/>, start of the day after <paramref name="to"/>) as UTC instants; DST days are 23 or 25 hours long.</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Bounds(DateOnly from, DateOnly to, DateTimeZone zone) => (
        zone.AtStartOfDay(LocalDate.FromDateOnly(from)).ToInstant().ToDateTimeOffset(),
        zone.AtStartOfDay(LocalDate.FromDateOnly(to).PlusDays(1)).ToInstant().ToDateTimeOffset());
}
