using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;

namespace Attribution.Gateway.Ingestion;

/// <summary>
/// Per-company ingestion rate (contract §3: 429 with Retry-After), with ASP.NET Core's rate
/// limiter: a token bucket per company key (or per API secret), refilled every 100 ms.
/// Configured by ATTRIBUTION_INGESTION_RATE_PER_SECOND (requests per second per company,
/// default 10,000) and ATTRIBUTION_INGESTION_BURST (default twice the rate).
/// </summary>
public static class IngestionRateLimits
{
    public const string Policy = "ingestion-per-company";

    public static IServiceCollection AddIngestionRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var perSecond = Math.Max(1, configuration.GetValue("ATTRIBUTION_INGESTION_RATE_PER_SECOND", 10_000));
        var burst = Math.Max(1, configuration.GetValue("ATTRIBUTION_INGESTION_BURST", perSecond * 2));
        var perTick = Math.Max(1, perSecond / 10);

        services.AddRateLimiter(options =>
        {
            options.AddPolicy(Policy, http => RateLimitPartition.GetTokenBucketLimiter(PartitionOf(http), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perTick,
                ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                string? origin = context.HttpContext.Request.Headers.Origin;
                if (!string.IsNullOrEmpty(origin)) BrowserOrigins.Allow(response, origin);
                await Problems.Status(StatusCodes.Status429TooManyRequests, "The company is over its ingestion rate; retry after the given seconds.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    // The secret is hashed so it never sits in the limiter's partition table in clear.
    private static string PartitionOf(HttpContext http)
    {
        var bearer = CallerAuthentication.BearerToken(http.Request);
        if (bearer is not null) return "s:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(bearer)));
        string? key = http.Request.Headers[CallerAuthentication.CompanyKeyHeader];
        if (string.IsNullOrEmpty(key)) key = http.Request.Query[CallerAuthentication.CompanyKeyQuery];
        return "k:" + (key ?? "");
    }
}
