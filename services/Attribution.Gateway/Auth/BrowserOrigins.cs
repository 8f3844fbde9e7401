using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Attribution.ServiceDefaults.Companies;
using Microsoft.Extensions.Primitives;
using Attribution.Domain.Companies;

namespace Attribution.Gateway.Auth;

/// <summary>
/// CORS per company (contract §2): a browser call is allowed from the company's
/// <c>allowedOrigins</c> (an empty list allows any origin). A preflight cannot carry the
/// X-Company-Key header, so it is answered generously (or checked when ?companyKey= is there)
/// and the real request is checked once the company is known.
/// </summary>
public static class BrowserOrigins
{
    /// <summary>
    /// Configured origins are stored as <see cref="Normalize"/> writes them, which is how a browser
    /// serialises its Origin header, so a plain comparison matches; the trim and the ignored case
    /// also match a stored origin written with a final slash or capitals.
    /// </summary>
    public static bool IsAllowed(Company company, string origin) =>
        company.AllowedOrigins.Count == 0
        || company.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// An origin as a browser sends it (contract §7: scheme and host, optional port): <c>http</c> or
    /// <c>https</c>, a DNS name (an internationalised one in its ASCII form), an IPv4 address or a
    /// bracketed IPv6 address, and a port only when it is not the scheme's default; scheme and host in
    /// lower case. One trailing slash is dropped. Null for anything else: <c>*</c>, <c>""</c>,
    /// <c>javascript:…</c>, a path, query, fragment, user info or whitespace.
    /// </summary>
    public static string? Normalize(string origin)
    {
        var text = origin.EndsWith('/') ? origin[..^1] : origin;
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0) return null;
        var scheme = text[..separator].ToLowerInvariant();
        var defaultPort = scheme switch { "http" => 80, "https" => 443, _ => 0 };
        if (defaultPort == 0) return null;

        var authority = text[(separator + 3)..];
        string hostText;
        var port = defaultPort;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return null;
            hostText = authority[..(close + 1)];
            var rest = authority[(close + 1)..];
            if (rest.Length > 0 && (rest[0] != ':' || !TryPort(rest[1..], out port))) return null;
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            hostText = colon < 0 ? authority : authority[..colon];
            if (colon >= 0 && !TryPort(authority[(colon + 1)..], out port)) return null;
        }
        var host = Host(hostText);
        if (host is null) return null;
        return port == defaultPort
            ? $"{scheme}://{host}"
            : $"{scheme}://{host}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65_535;
    }

    private static string? Host(string text)
    {
        if (text.StartsWith('['))
            return text.EndsWith(']') && IPAddress.TryParse(text[1..^1], out var ip)
                && ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId == 0 && !text.Contains('%', StringComparison.Ordinal)
                ? $"[{ip}]"
                : null;

        string ascii;
        try
        {
            ascii = text.All(char.IsAscii) ? text.ToLowerInvariant() : new IdnMapping().GetAscii(text).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return null; // not a name IDNA can spell in ASCII
        }
        if (ascii.Length is 0 or > 253) return null;
        var labels = ascii.Split('.');
        if (labels.Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-' || !l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            return null;
        // A browser reads a name whose last label is a number as an IPv4 address (1.2.3 is 1.2.0.3): only the dotted-quad form is kept.
        if (labels[^1].All(char.IsAsciiDigit))
            return labels.Length == 4 && labels.All(l => l.All(char.IsAsciiDigit) && l.Length <= 3 && (l.Length == 1 || l[0] != '0') && int.Parse(l, CultureInfo.InvariantCulture) <= 255)
                ? ascii
                : null;
        return ascii;
    }

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
