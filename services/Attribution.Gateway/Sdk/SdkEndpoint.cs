using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Sdk;

/// <summary>
/// GET /sdk/v1/attribution.js (contract §8): the browser SDK with the one rule table and the ISO 4217
/// minor units inlined at start-up, so the browser validates exactly as the gateway does and nothing
/// is built at run time.
/// </summary>
public static class SdkEndpoint
{
    public const string Path = "/sdk/v1/attribution.js";

    public static IEndpointRouteBuilder MapSdk(this IEndpointRouteBuilder app)
    {
        var script = Build();
        var gzipped = Gzip(script); // compressed once: the SDK is on every page of every store
        var etag = $"\"{Convert.ToHexString(SHA256.HashData(script))[..16]}\"";
        app.MapGet(Path, (HttpContext http) =>
            {
                http.Response.Headers.ETag = etag;
                http.Response.Headers.CacheControl = "public, max-age=300"; // new rules reach pages within minutes
                http.Response.Headers.AccessControlAllowOrigin = "*";
                http.Response.Headers.Vary = "Accept-Encoding";
                if (http.Request.Headers.IfNoneMatch == etag) return Results.StatusCode(StatusCodes.Status304NotModified);
                if (!AcceptsGzip(http.Request)) return Results.Bytes(script, "text/javascript; charset=utf-8");
                http.Response.Headers.ContentEncoding = "gzip";
                return Results.Bytes(gzipped, "text/javascript; charset=utf-8");
            })
            .WithTags("SDK")
            .WithSummary("The browser SDK (queue snippet compatible), with the ingestion rules inlined.");
        return app;
    }

    /// <summary>The SDK source with its two placeholders replaced by the rule table and the currency table.</summary>
    public static byte[] Build()
    {
        var source = Resource("attribution.sdk.js");
        if (!source.Contains("/*@RULES@*/null", StringComparison.Ordinal) || !source.Contains("/*@CURRENCIES@*/null", StringComparison.Ordinal))
            throw new InvalidOperationException("The SDK source lacks its rule-table placeholders.");
        return Encoding.UTF8.GetBytes(source
            .Replace("/*@RULES@*/null", IngestionLimits.RulesJson, StringComparison.Ordinal)
            .Replace("/*@CURRENCIES@*/null", Resource("iso4217.json").Trim(), StringComparison.Ordinal));
    }

    private static bool AcceptsGzip(HttpRequest request) =>
        request.Headers.AcceptEncoding.Any(v => v is not null && v.Contains("gzip", StringComparison.OrdinalIgnoreCase));

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) gzip.Write(bytes);
        return output.ToArray();
    }

    private static string Resource(string name)
    {
        using var stream = typeof(SdkEndpoint).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
