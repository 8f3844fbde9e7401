using System.Globalization;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;
using NodaTime;
using Attribution.Domain.Companies;

namespace Attribution.Gateway.Revenue;

/// <summary>
/// What a read asks for (contract §6): a range of the company's days, inclusive, and the currency
/// to show amounts in. Without <c>from</c>/<c>to</c> the range is the last 30 days up to today.
/// Dates lie within 2000-01-01..2100-12-31 and a range covers at most 3 years, so every range
/// converts to instants in any time zone and no read scans without bound.
/// </summary>
public sealed record ReportQuery(Company Company, DateTimeZone Zone, DateOnly From, DateOnly To, string Currency)
{
    public static readonly DateOnly FirstDate = new(2000, 1, 1);
    public static readonly DateOnly LastDate = new(2100, 12, 31);
    public const int MaxYears = 3;
    public const int DefaultDays = 30;

    public (DateTimeOffset Start, DateTimeOffset End) Bounds => CompanyCalendar.Bounds(From, To, Zone);

    public IEnumerable<DateOnly> Days()
    {
        for (var day = From; day <= To; day = day.AddDays(1)) yield return day;
    }

    /// <summary>
    /// The common shape of every report read: the caller's apiSecret, then the query string (a 400
    /// naming every bad parameter), then the answer for that company and range.
    /// </summary>
    public static async Task<IResult> HandleAsync(HttpContext http, CompanyDirectory companies, TimeProvider time, Func<ReportQuery, Task<IResult>> answer)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
        if (caller is null) return denied!;
        var (query, errors) = Parse(http.Request.Query, caller.Company, time);
        return query is null ? Problems.Validation(errors!) : await answer(query);
    }

    /// <summary>Parses the query string; every bad parameter is named in the errors.</summary>
    public static (ReportQuery? Query, IReadOnlyDictionary<string, string[]>? Errors) Parse(IQueryCollection query, Company company, TimeProvider time)
    {
        var errors = new FieldErrors();
        var zone = CompanyCalendar.ZoneOf(company);
        var givenTo = Date(query, "to", errors);
        var givenFrom = Date(query, "from", errors);
        var to = givenTo ?? CompanyCalendar.Today(zone, time);
        var from = givenFrom ?? Max(to.AddDays(1 - DefaultDays), FirstDate);
        if (errors.IsEmpty && from > to)
            errors.Add("from", $"from ({from:yyyy-MM-dd}) must not be after to ({to:yyyy-MM-dd}).");
        else if (errors.IsEmpty && to >= from.AddYears(MaxYears))
            errors.Add(givenTo is null ? "from" : "to", $"A range covers at most {MaxYears} years (from {from:yyyy-MM-dd} to {from.AddYears(MaxYears).AddDays(-1):yyyy-MM-dd}).");

        var currency = company.ReportingCurrency;
        if (query.TryGetValue("currency", out var requested) && requested.Count > 0)
        {
            var code = requested[0] ?? "";
            if (!Currencies.IsActive(code)) errors.Add("currency", $"currency must be an active ISO 4217 code (e.g. EUR); '{code}' is not.", RejectionReasons.BadCurrency);
            else currency = code;
        }
        return errors.IsEmpty ? (new ReportQuery(company, zone, from, to, currency), null) : (null, errors.ToDictionary());
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly? Date(IQueryCollection query, string name, FieldErrors errors)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0])) return null;
        if (!DateOnly.TryParseExact(values[0], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            errors.Add(name, $"{name} must be a date as YYYY-MM-DD; '{values[0]}' is not.");
        else if (date < FirstDate || date > LastDate)
            errors.Add(name, $"{name} must be between {FirstDate:yyyy-MM-dd} and {LastDate:yyyy-MM-dd}; '{values[0]}' is not.");
        else
            return date;
        return null;
    }
}
