using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;

namespace Attribution.Gateway.Ingestion;

/// <summary>
/// Ingestion rate (contract §3: 429 with Retry-After), with ASP.NET Core's rate limiter: a token
/// bucket per partition (<see cref="IngestionPartitions"/>: per company for its known credentials,
/// per client address for the rest), refilled every 100 ms (below ten a second, a token at a
/// time). Configured by ATTRIBUTION_INGESTION_RATE_PER_SECOND (requests per second per bucket,
/// default 10,000) and ATTRIBUTION_INGESTION_BURST (default twice the rate).
/// </summary>
public static class IngestionRateLimits
{
    public const string Policy = "ingestion-per-company";

    public static IServiceCollection AddIngestionRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var perSecond = Math.Max(1, configuration.GetValue("ATTRIBUTION_INGESTION_RATE_PER_SECOND", 10_000));
        var burst = Math.Max(1, configuration.GetValue("ATTRIBUTION_INGESTION_BURST", perSecond * 2));
        // Refilled every 100 ms; below ten a second, a token every 1/rate seconds instead, which the
        // 100 ms tick would round up to ten a second.
        var (perTick, period) = perSecond >= 10 ? (perSecond / 10, TimeSpan.FromMilliseconds(100)) : (1, TimeSpan.FromSeconds(1.0 / perSecond));

        services.AddSingleton<IngestionPartitions>();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Policy, http =>
            {
                var partitions = http.RequestServices.GetRequiredService<IngestionPartitions>();
                partitions.LearnFromAnswer(http);
                return RateLimitPartition.GetTokenBucketLimiter(partitions.PartitionOf(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perTick,
                    ReplenishmentPeriod = period,
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                string? origin = context.HttpContext.Request.Headers.Origin;
                if (!string.IsNullOrEmpty(origin)) BrowserOrigins.Allow(response, origin);
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Over the ingestion rate; retry after the given seconds.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}

/// <summary>
/// Which ingestion bucket a request draws from. The limiter runs before the endpoint authenticates,
/// so a credential cannot be checked here without a database round trip per request, the very cost
/// the limiter is there to bound. Instead this gateway remembers the credentials it has answered a
/// 2xx to (an ingestion call that authenticated, a webhook whose HMAC matched):
/// <list type="bullet">
/// <item>a known API secret or company key draws from its company's bucket, wherever the calls come from;</item>
/// <item>a Shopify webhook (the company key in the route) of a known company draws from the bucket of that
/// company and client address, so a flood at one company's webhook, or from one address, starves neither
/// another company's webhooks nor the same company's deliveries from elsewhere;</item>
/// <item>anything else (no key, a made-up key or secret, a webhook of an unknown company, a company's first
/// call to this instance) draws from its client address's bucket, so that neither one flood nor rotating
/// made-up keys starves everyone, or gets past the limit.</item>
/// </list>
/// The client address is the connection's peer: X-Forwarded-For is anybody's to write, and is only
/// believed once forwarded headers are configured (ForwardedHeadersOptions), which then set
/// RemoteIpAddress themselves. An IPv6 client is counted by its /64, since one host can have them all.
/// </summary>
public sealed class IngestionPartitions
{
    /// <summary>
    /// Only real credentials are ever learned (a 2xx needs one), so this holds at most a key and a
    /// secret per company; the cap bounds it should an endpoint under the policy ever answer 2xx
    /// without authenticating. Beyond it, new credentials draw from their address's bucket.
    /// </summary>
    public const int MaxKnownCredentials = 100_000;

    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public string PartitionOf(HttpContext http)
    {
        var address = AddressOf(http.Connection.RemoteIpAddress);
        if (RouteCompanyKey(http) is { } routeKey)
            return _known.ContainsKey(CompanyKeyCredential(routeKey)) ? $"w:{routeKey}|{address}" : "a:" + address;
        return CredentialOf(http) is { } credential && _known.ContainsKey(credential) ? credential : "a:" + address;
    }

    /// <summary>Remembers the request's credential once a 2xx is answered to it (registered before the endpoint runs).</summary>
    public void LearnFromAnswer(HttpContext http)
    {
        var credential = RouteCompanyKey(http) is { } routeKey ? CompanyKeyCredential(routeKey) : CredentialOf(http);
        if (credential is null || _known.ContainsKey(credential)) return;
        http.Response.OnStarting(() =>
        {
            Learn(http.Response.StatusCode, credential);
            return Task.CompletedTask;
        });
    }

    /// <summary>Remembers <paramref name="credential"/> when <paramref name="status"/> is a 2xx.</summary>
    internal void Learn(int status, string credential)
    {
        if (status is >= 200 and < 300 && _known.Count < MaxKnownCredentials) _known.TryAdd(credential, 0);
    }

    /// <summary>
    /// The credential the endpoint will authenticate, in CallerAuthentication's order: the API
    /// secret (hashed, so it never sits in the limiter's partition table in clear), else the
    /// company key of the header, else of the query.
    /// </summary>
    internal static string? CredentialOf(HttpContext http)
    {
        var bearer = CallerAuthentication.BearerToken(http.Request);
        if (bearer is not null) return "s:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(bearer)));
        string? key = http.Request.Headers[CallerAuthentication.CompanyKeyHeader];
        if (string.IsNullOrEmpty(key)) key = http.Request.Query[CallerAuthentication.CompanyKeyQuery];
        return string.IsNullOrEmpty(key) ? null : CompanyKeyCredential(key);
    }

    private static string CompanyKeyCredential(string companyKey) => "k:" + companyKey;

    // The Shopify webhooks name their company in the route; they carry no other credential.
    private static string? RouteCompanyKey(HttpContext http) =>
        http.Request.RouteValues.TryGetValue("companyKey", out var value) && value is string { Length: > 0 } key ? key : null;

    internal static string AddressOf(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4().ToString();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
