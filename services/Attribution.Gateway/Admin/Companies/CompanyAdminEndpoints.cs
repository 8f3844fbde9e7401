using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.Configuration;
using Attribution.Domain.Companies;

namespace Attribution.Gateway.Admin.Companies;

/// <summary>POST /v1/admin/companies (contract §7), for the operator.</summary>
public static class CompanyAdminEndpoints
{
    public static IEndpointRouteBuilder MapCompanyAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/admin/companies", Create)
            .WithName("CreateCompany")
            .WithSummary("Create a company; answers its companyKey and apiSecret (shown once).")
            .Produces<CreatedCompany>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        app.MapPatch("/v1/admin/companies/{companyKey}", Patch)
            .WithName("UpdateCompany")
            .WithSummary("Change a company's settings: window, time zone, origins, quantityMode, reporting currency, Shopify secret.")
            .Produces<CompanySettings>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPut("/v1/admin/companies/{companyKey}/fx-rates", PutFxRates)
            .WithName("PutFxRates")
            .WithSummary("Set exchange rates (units of reporting currency per unit) in force from a date.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Patch(string companyKey, HttpContext http, AttributionSettings settings, CompanyDirectory companies)
    {
        if (!IsOperator(http.Request, settings)) return NotOperator();
        var (body, bad) = await JsonBody.ReadAsync(http.Request, JsonBody.SingleEventLimit, http.RequestAborted);
        if (body is null) return bad!;
        using (body)
        {
            var (change, errors) = ValidatePatch(body.RootElement);
            if (change is null) return Problems.Validation(errors.ToDictionary());
            var updated = await companies.UpdateAsync(companyKey, change, http.RequestAborted);
            return updated is null
                ? Problems.Status(StatusCodes.Status404NotFound, $"No company {companyKey}.")
                : TypedResults.Ok(CompanySettings.From(updated));
        }
    }

    private static async Task<IResult> PutFxRates(string companyKey, HttpContext http, AttributionSettings settings, CompanyDirectory companies)
    {
        if (!IsOperator(http.Request, settings)) return NotOperator();
        var (body, bad) = await JsonBody.ReadAsync(http.Request, JsonBody.SingleEventLimit, http.RequestAborted);
        if (body is null) return bad!;
        using (body)
        {
            var (rates, errors) = ValidateFxRates(body.RootElement);
            if (rates is null) return Problems.Validation(errors.ToDictionary());
            return await companies.SetFxRatesAsync(companyKey, rates.Date, rates.Rates, http.RequestAborted)
                ? TypedResults.Ok(rates)
                : Problems.Status(StatusCodes.Status404NotFound, $"No company {companyKey}.");
        }
    }

    private static IResult NotOperator() =>
        Problems.Status(StatusCodes.Status401Unauthorized, "The operator token (ATTRIBUTION_ADMIN_TOKEN) is required as Authorization: Bearer.");

    /// <summary>Pure validation of a settings change; absent fields stay as they are.</summary>
    public static (Func<Company, Company>? Change, FieldErrors Errors) ValidatePatch(JsonElement body)
    {
        if (!JsonFieldReader.TryOpen(body, "", out var f)) return (null, f.Errors);
        var errors = f.Errors;
        var name = f.Text("name", 1, 200, required: false);
        var currency = f.Has("reportingCurrency") ? f.Currency("reportingCurrency", required: true) : null;
        var timeZone = f.Text("timeZone", 1, 64, required: false);
        if (timeZone is not null && CompanyCalendar.FindZone(timeZone) is null)
            errors.Add("timeZone", $"timeZone must be an IANA time zone id (e.g. Europe/Berlin); '{timeZone}' is not.");
        var window = f.WholeNumber("attributionWindowHours", 1, 720, required: false);
        var origins = f.Has("allowedOrigins") ? Origins(body, "allowedOrigins", errors) : null;
        var mode = f.Enum<QuantityMode>("quantityMode", required: false);
        var shopifySecret = f.Text("shopifyWebhookSecret", 1, 256, required: false);
        if (!errors.IsEmpty) return (null, errors);

        return (c => c with
        {
            Name = name ?? c.Name,
            ReportingCurrency = currency ?? c.ReportingCurrency,
            TimeZone = timeZone ?? c.TimeZone,
            AttributionWindowHours = window ?? c.AttributionWindowHours,
            AllowedOrigins = origins ?? c.AllowedOrigins,
            QuantityMode = mode ?? c.QuantityMode,
            ShopifyWebhookSecret = shopifySecret ?? c.ShopifyWebhookSecret,
        }, errors);
    }

    public sealed record FxRates(DateOnly Date, IReadOnlyDictionary<string, decimal> Rates);

    /// <summary>The rates accepted (contract §7): a converted amount, or a sum of them, stays far within decimal's range.</summary>
    public const decimal MinFxRate = 0.000001m;
    public const decimal MaxFxRate = 1_000_000m;

    /// <summary>The dates a rate can be in force from: the dates a report can ask for (contract §6).</summary>
    public static readonly DateOnly FirstFxDate = new(2000, 1, 1);
    public static readonly DateOnly LastFxDate = new(2100, 12, 31);

    /// <summary>Pure validation of <c>{ "date": "2026-11-01", "rates": { "EUR": 1.08 } }</c>.</summary>
    public static (FxRates? Rates, FieldErrors Errors) ValidateFxRates(JsonElement body)
    {
        if (!JsonFieldReader.TryOpen(body, "", out var f)) return (null, f.Errors);
        var errors = f.Errors;
        var dateText = f.Text("date", 10, 10, required: true);
        DateOnly date = default;
        if (dateText is not null && !DateOnly.TryParseExact(dateText, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out date))
            errors.Add("date", "date must be YYYY-MM-DD.");
        else if (dateText is not null && (date < FirstFxDate || date > LastFxDate))
            errors.Add("date", $"date must be between {FirstFxDate:yyyy-MM-dd} and {LastFxDate:yyyy-MM-dd}.");

        var rates = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (!body.TryGetProperty("rates", out var r) || r.ValueKind != JsonValueKind.Object || !r.EnumerateObject().Any())
            errors.Add("rates", "rates must be an object of currency code → positive number, e.g. { \"EUR\": 1.08 }.", RejectionReasons.MissingField);
        else
            foreach (var p in r.EnumerateObject())
            {
                var field = $"rates.{p.Name}";
                if (!Currencies.IsActive(p.Name))
                {
                    errors.Add(field, $"{JsonFieldReader.Shown(p.Name)} is not an active ISO 4217 code.", RejectionReasons.BadCurrency);
                    continue;
                }
                var reading = ExactDecimals.Read(p.Value, out var rate);
                if (reading == ExactDecimals.Reading.NotANumber || rate < MinFxRate || rate > MaxFxRate)
                    errors.Add(field, $"A rate must be a positive number between {MinFxRate.ToString(System.Globalization.CultureInfo.InvariantCulture)} and {MaxFxRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
                else if (reading == ExactDecimals.Reading.Inexact)
                    errors.Add(field, "A rate has more digits than can be represented exactly.");
                else
                    rates[p.Name] = rate;
            }
        return errors.IsEmpty ? (new FxRates(date, rates), errors) : (null, errors);
    }

    private static async Task<IResult> Create(HttpContext http, AttributionSettings settings, CompanyDirectory companies)
    {
        if (!IsOperator(http.Request, settings)) return NotOperator();

        var (body, bad) = await JsonBody.ReadAsync(http.Request, JsonBody.SingleEventLimit, http.RequestAborted);
        if (body is null) return bad!;
        using (body)
        {
            var (draft, errors) = ValidateCreate(body.RootElement);
            if (draft is null) return Problems.Validation(errors.ToDictionary());
            var (company, secret) = await companies.CreateAsync(draft, http.RequestAborted);
            return TypedResults.Created($"/v1/admin/companies/{company.CompanyKey}", CreatedCompany.From(company, secret));
        }
    }

    /// <summary>Pure validation of a create request.</summary>
    public static (Company? Draft, FieldErrors Errors) ValidateCreate(JsonElement body)
    {
        var errors = new FieldErrors();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The body must be a JSON object.");
            return (null, errors);
        }
        var f = new JsonFieldReader(body, errors);
        var name = f.Text("name", 1, 200, required: true);
        var currency = f.Currency("reportingCurrency", required: true);
        var timeZone = f.Text("timeZone", 1, 64, required: false) ?? "UTC";
        if (!errors.Has("timeZone") && CompanyCalendar.FindZone(timeZone) is null)
            errors.Add("timeZone", $"timeZone must be an IANA time zone id (e.g. Europe/Berlin); '{timeZone}' is not.");
        var window = f.WholeNumber("attributionWindowHours", 1, 720, required: false) ?? 24;
        var origins = Origins(body, "allowedOrigins", errors);
        var shopifySecret = f.Text("shopifyWebhookSecret", 1, 256, required: false);

        if (!errors.IsEmpty) return (null, errors);
        return (new Company
        {
            CompanyKey = "",
            Name = name!,
            ReportingCurrency = currency!,
            TimeZone = timeZone,
            AttributionWindowHours = window,
            AllowedOrigins = origins,
            ShopifyWebhookSecret = shopifySecret,
        }, errors);
    }

    /// <summary>Constant-time comparison (of fixed-length hashes), so response time says nothing about the token.</summary>
    public static bool IsOperator(HttpRequest request, AttributionSettings settings)
    {
        var token = CallerAuthentication.BearerToken(request);
        if (token is null || settings.AdminToken is null) return false;
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(settings.AdminToken)));
    }

    /// <summary>
    /// The origins of a company's storefront, each normalised as a browser sends its Origin header
    /// (duplicates dropped); every one that is not an origin is named as <c>allowedOrigins[i]</c>.
    /// </summary>
    private static string[] Origins(JsonElement body, string field, FieldErrors errors)
    {
        if (!body.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            errors.Add(field, $"{field} must be an array of strings.");
            return [];
        }
        var origins = new List<string>();
        var index = 0;
        foreach (var element in v.EnumerateArray())
        {
            var given = element.GetString()!;
            if (BrowserOrigins.Normalize(given) is { } origin)
            {
                if (!origins.Contains(origin, StringComparer.Ordinal)) origins.Add(origin);
            }
            else
                errors.Add($"{field}[{index}]",
                    $"{field}[{index}] must be an origin: http or https, a host and an optional port, such as https://shop.example or http://localhost:3000 (no *, path, query, fragment or user name); '{JsonFieldReader.Shown(given, 64)}' is not.");
            index++;
        }
        return [.. origins];
    }
}

public sealed record CompanySettings(
    string CompanyKey, string Name, string ReportingCurrency, string TimeZone,
    int AttributionWindowHours, IReadOnlyList<string> AllowedOrigins, string QuantityMode)
{
    public static CompanySettings From(Company c) => new(
        c.CompanyKey, c.Name, c.ReportingCurrency, c.TimeZone, c.AttributionWindowHours, c.AllowedOrigins, c.QuantityMode.ToString());
}

public sealed record CreatedCompany(
    string CompanyKey, string ApiSecret, string Name, string ReportingCurrency, string TimeZone,
    int AttributionWindowHours, IReadOnlyList<string> AllowedOrigins, string QuantityMode)
{
    public static CreatedCompany From(Company c, string secret) => new(
        c.CompanyKey, secret, c.Name, c.ReportingCurrency, c.TimeZone, c.AttributionWindowHours, c.AllowedOrigins, c.QuantityMode.ToString());
}
