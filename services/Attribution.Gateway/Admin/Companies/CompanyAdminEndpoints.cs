using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.Configuration;

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
        return app;
    }

    private static async Task<IResult> Create(HttpContext http, AttributionSettings settings, CompanyDirectory companies)
    {
        if (!IsOperator(http.Request, settings))
            return Problems.Status(StatusCodes.Status401Unauthorized, "The operator token (ATTRIBUTION_ADMIN_TOKEN) is required as Authorization: Bearer.");

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
        if (!errors.Has("timeZone") && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            errors.Add("timeZone", $"timeZone must be an IANA time zone id (e.g. Europe/Berlin); '{timeZone}' is not.");
        var window = f.WholeNumber("attributionWindowHours", 1, 720, required: false) ?? 24;
        var origins = StringList(body, "allowedOrigins", errors);
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

    private static string[] StringList(JsonElement body, string field, FieldErrors errors)
    {
        if (!body.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            errors.Add(field, $"{field} must be an array of strings.");
            return [];
        }
        return v.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }
}

public sealed record CreatedCompany(
    string CompanyKey, string ApiSecret, string Name, string ReportingCurrency, string TimeZone,
    int AttributionWindowHours, IReadOnlyList<string> AllowedOrigins, string QuantityMode)
{
    public static CreatedCompany From(Company c, string secret) => new(
        c.CompanyKey, secret, c.Name, c.ReportingCurrency, c.TimeZone, c.AttributionWindowHours, c.AllowedOrigins, c.QuantityMode.ToString());
}
