using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Auth;

/// <summary>
/// Resolves the caller of an ingestion or read endpoint. Browser calls carry the public company
/// key (header, or query for sendBeacon); server calls a Bearer API secret; dashboard viewers a
/// Bearer viewer token, on the reads that admit them. 401 when no known key is given, 403 when the
/// key may not make this call.
/// </summary>
public static class CallerAuthentication
{
    public const string CompanyKeyHeader = "X-Company-Key";
    public const string CompanyKeyQuery = "companyKey";

    public static async Task<(Caller? Caller, IResult? Failure)> AuthenticateAsync(
        HttpContext http, CompanyDirectory companies, bool serverOnly)
    {
        var ct = http.RequestAborted;
        var bearer = BearerToken(http.Request);
        if (bearer is not null)
        {
            // A viewer token reaches here only on an endpoint marked readable by viewers (ViewerAccess).
            if (ViewerTokens.LooksLikeOne(bearer)
                && await http.RequestServices.GetRequiredService<ViewerTokens>().CompanyOfAsync(bearer, ct) is { } viewed)
                return http.GetEndpoint()?.Metadata.GetMetadata<ViewerReadable>() is null
                    ? (null, Problems.Status(StatusCodes.Status403Forbidden, "A viewer token reads the dashboard figures (contract §6) and nothing else."))
                    : await companies.FindByKeyAsync(viewed, ct) is { } readable
                    ? (new Caller(readable, IsServer: false, IsViewer: true), null)
                    : (null, Problems.Status(StatusCodes.Status401Unauthorized, "Unknown viewer token."));
            var company = await companies.FindBySecretAsync(bearer, ct);
            return company is null
                ? (null, Problems.Status(StatusCodes.Status401Unauthorized, "Unknown API secret or viewer token."))
                : (new Caller(company, IsServer: true), null);
        }

        string? key = http.Request.Headers[CompanyKeyHeader];
        if (string.IsNullOrEmpty(key)) key = http.Request.Query[CompanyKeyQuery];
        if (string.IsNullOrEmpty(key))
            return (null, Problems.Status(StatusCodes.Status401Unauthorized,
                $"Send the company key in {CompanyKeyHeader} (or ?{CompanyKeyQuery}=), or an API secret as Authorization: Bearer."));

        var byKey = await companies.FindByKeyAsync(key, ct);
        if (byKey is null) return (null, Problems.Status(StatusCodes.Status401Unauthorized, "Unknown company key."));
        if (serverOnly)
            return (null, Problems.Status(StatusCodes.Status403Forbidden, "This call needs the company's API secret (Authorization: Bearer)."));
        return (new Caller(byKey, IsServer: false), null);
    }

    public static string? BearerToken(HttpRequest request)
    {
        string? header = request.Headers.Authorization;
        const string scheme = "Bearer ";
        return header is not null && header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }
}
