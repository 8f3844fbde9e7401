using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion;
using Attribution.Gateway.Ingestion.Checkout;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.Gateway.Ingestion.Refunds;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Shopify;

/// <summary>
/// POST /v1/webhooks/shopify/{companyKey}/orders-create and /refunds-create (contract §7). The HMAC of
/// the raw body with the company's shopifyWebhookSecret is checked in constant time (401 otherwise);
/// the payload is mapped (<see cref="ShopifyPayloads"/>) and then validated and published exactly like
/// POST /v1/events/checkout and /refund. Each orderId counts once, whether it came from here, from a
/// retried delivery or from the thank-you page.
/// </summary>
public static class ShopifyWebhookEndpoints
{
    public const string SignatureHeader = "X-Shopify-Hmac-Sha256";

    public static IEndpointRouteBuilder MapShopifyWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/v1/webhooks/shopify/{companyKey}").WithTags("Shopify").RequireRateLimiting(IngestionRateLimits.Policy);
        hooks.MapPost("/orders-create", (string companyKey, HttpContext http, CompanyDirectory companies, EventPublisher publisher,
                IngestionRequest ingestion, TimeProvider time) =>
                ReceiveAsync(http, companyKey, "checkout", companies, publisher, ingestion, time, (payload, company, now) =>
                {
                    var (message, errors) = CheckoutValidator.Validate(ToElement(ShopifyPayloads.CheckoutOf(payload, company.CompanyKey)), company.CompanyKey, now);
                    return (message is null ? null : message with { Source = "shopify" }, errors, message?.EventId);
                }))
            .WithSummary("Shopify orders/create webhook: the order as a checkout (test orders recorded, never counted).");
        hooks.MapPost("/refunds-create", (string companyKey, HttpContext http, CompanyDirectory companies, EventPublisher publisher,
                IngestionRequest ingestion, TimeProvider time) =>
                ReceiveAsync(http, companyKey, "refund", companies, publisher, ingestion, time, (payload, company, now) =>
                {
                    if (ShopifyPayloads.RefundOf(payload, company.CompanyKey) is not { } body) return (null, null, null);
                    var (message, errors) = RefundValidator.Validate(ToElement(body), company.CompanyKey, now);
                    return (message, errors, message?.EventId);
                }))
            .WithSummary("Shopify refunds/create webhook: the refunded money as a refund of its order.");
        return app;
    }

    /// <summary>True when <paramref name="signature"/> is the base64 HMAC-SHA256 of the body under the secret; constant time.</summary>
    public static bool IsSigned(ReadOnlySpan<byte> body, string? signature, string secret)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        Span<byte> given = stackalloc byte[64];
        if (!Convert.TryFromBase64String(signature, given, out var length) || length != 32) return false;
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given[..length]);
    }

    private delegate (object? Message, Ingestion.Validation.FieldErrors? Errors, Guid? EventId) Mapper(JsonElement payload, Company company, DateTimeOffset now);

    private static async Task<IResult> ReceiveAsync(HttpContext http, string companyKey, string kind, CompanyDirectory companies,
        EventPublisher publisher, IngestionRequest ingestion, TimeProvider time, Mapper map)
    {
        var (body, tooLarge) = await JsonBody.ReadBytesAsync(http.Request, JsonBody.BatchLimit, http.RequestAborted);
        if (body is null) return tooLarge!;

        // Unknown company, no secret configured and a bad signature answer alike: nothing to learn by probing.
        var company = await companies.FindByKeyAsync(companyKey, http.RequestAborted);
        if (company?.ShopifyWebhookSecret is not { Length: > 0 } secret || !IsSigned(body.Value.Span, http.Request.Headers[SignatureHeader], secret))
            return Problems.Status(StatusCodes.Status401Unauthorized, $"{SignatureHeader} does not match the body signed with the company's shopifyWebhookSecret.");

        var (payload, malformed) = JsonBody.Parse(body.Value);
        if (payload is null) return malformed!;
        using (payload)
        {
            var now = time.GetUtcNow();
            var (message, errors, eventId) = map(payload.RootElement, company, now);
            if (message is null && errors is null) return TypedResults.Ok(new { status = "ignored", reason = "the refund returns no money" });
            if (message is null) return await ingestion.RejectAsync(company.CompanyKey, kind, errors!, now, http.RequestAborted);
            var published = message switch
            {
                Contracts.Ingestion.CheckoutCompleted c => await publisher.TryPublishAsync(c, c.EventId, kind, http.RequestAborted),
                Contracts.Ingestion.RefundRecorded r => await publisher.TryPublishAsync(r, r.EventId, kind, http.RequestAborted),
                _ => throw new InvalidOperationException(message.GetType().Name),
            };
            // Shopify treats any 2xx as delivered and retries anything else, which is what a 503 wants.
            return published ? TypedResults.Ok(new AcceptedEvent(eventId!.Value, "accepted")) : EventPublisher.BrokerUnavailable(http);
        }
    }

    private static JsonElement ToElement(JsonObject body) => JsonSerializer.SerializeToElement(body);
}
