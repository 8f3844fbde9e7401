using Attribution.ServiceDefaults.Companies;
using Microsoft.Extensions.Primitives;

namespace Attribution.Gateway.Auth;

/// <summary>
/// CORS per company (contract §2): a browser call is allowed from the company's
/// <c>allowedOrigins</c> (an empty list allows any origin). A preflight cannot carry the
/// X-Company-Key header, so it is answered generously (or checked when ?companyKey= is there)
/// and the real request is checked once the company is known.
/// </summary>
public static class BrowserOrigins
{
    public static bool IsAllowed(Company company, string origin) =>
        company.AllowedOrigins.Count == 0
        || company.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds the CORS response headers for an allowed origin.</summary>
    public static void Allow(HttpResponse response, string origin)
    {
        response.Headers.AccessControlAllowOrigin = origin;
        response.Headers.AccessControlExposeHeaders = "Retry-After, Date"; // Date: the SDK corrects a browser clock that is off
        response.Headers.Append("Vary", "Origin");
    }

    public static IEndpointRouteBuilder MapIngestionPreflight(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/v1/events/{kind}", [HttpMethods.Options], async (HttpContext http, CompanyDirectory companies) =>
        {
            string? origin = http.Request.Headers.Origin;
            if (string.IsNullOrEmpty(origin)) return Results.NoContent();
            string? key = http.Request.Query[CallerAuthentication.CompanyKeyQuery];
            if (!string.IsNullOrEmpty(key) && await companies.FindByKeyAsync(key, http.RequestAborted) is { } company && !IsAllowed(company, origin))
                return Results.StatusCode(StatusCodes.Status403Forbidden);

            Allow(http.Response, origin);
            http.Response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
            http.Response.Headers.AccessControlAllowHeaders = http.Request.Headers.AccessControlRequestHeaders.Count > 0
                ? http.Request.Headers.AccessControlRequestHeaders
                : new StringValues("Content-Type, X-Company-Key, Authorization");
            http.Response.Headers.AccessControlMaxAge = "600";
            return Results.NoContent();
        }).ExcludeFromDescription();
        return app;
    }
}
