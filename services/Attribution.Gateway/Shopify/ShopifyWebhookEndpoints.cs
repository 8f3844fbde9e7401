using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.Gateway.Ingestion.Rejections;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Shopify;

/// <summary>
/// POST /v1/webhooks/shopify/{companyKey}/orders-create and /refunds-create (contract §7). The HMAC of
/// the raw body with the company's shopifyWebhookSecret is checked in constant time (401 otherwise);
/// the payload is read (<see cref="ShopifyPayloads"/>), validated and published exactly like
/// POST /v1/events/checkout and /refund. Each orderId counts once, whether it came from here, from a
/// retried delivery or from the thank-you page.
/// A signed delivery that cannot be read as an order or refund is answered 200 "rejected" with the
/// errors, and kept in the rejection log for the data-quality report: Shopify retries anything but a
/// 2xx, and a retry of the same bytes could never succeed.
/// </summary>
public static class ShopifyWebhookEndpoints
{
    public const string SignatureHeader = "X-Shopify-Hmac-Sha256";

    /// <summary>The answer to a signed delivery that cannot be recorded: 200, so Shopify does not retry it.</summary>
    public sealed record RejectedDelivery(string Status, IReadOnlyDictionary<string, string[]> Errors);

    public static IEndpointRouteBuilder MapShopifyWebhooks(this IEndpointRouteBuilder app)
    {
        var hooks = app.MapGroup("/v1/webhooks/shopify/{companyKey}").WithTags("Shopify").RequireRateLimiting(IngestionRateLimits.Policy);
        hooks.MapPost("/orders-create", (string companyKey, HttpContext http, CompanyDirectory companies, EventPublisher publisher,
                RejectionLog rejections, TimeProvider time) =>
                ReceiveAsync(http, companyKey, "checkout", companies, publisher, rejections, time, (payload, secret, key, now) =>
                {
                    var (message, errors) = ShopifyPayloads.ReadOrder(payload, secret, key, now);
                    return (message, errors, message?.EventId);
                }))
            .WithSummary("Shopify orders/create webhook: the order as a checkout (test orders recorded, never counted).");
        hooks.MapPost("/refunds-create", (string companyKey, HttpContext http, CompanyDirectory companies, EventPublisher publisher,
                RejectionLog rejections, TimeProvider time) =>
                ReceiveAsync(http, companyKey, "refund", companies, publisher, rejections, time, (payload, secret, key, now) =>
                {
                    var (message, errors) = ShopifyPayloads.ReadRefund(payload, secret, key, now);
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

    /// <summary>
    /// The errors of a body <see cref="JsonBody.Parse"/> refused, whatever its answer: the fields it named,
    /// or the body itself. The messages are our own words, never the body's text (they are kept).
    /// </summary>
    public static FieldErrors UnparsableBody(IResult? failure)
    {
        var errors = new FieldErrors();
        if (failure is IValueHttpResult { Value: HttpValidationProblemDetails { Errors.Count: > 0 } problem })
            foreach (var (field, messages) in problem.Errors)
                foreach (var message in messages)
                    errors.Add(field, field == "body" ? "The body cannot be read as JSON: it is malformed or not valid UTF-8." : message,
                        field == "body" ? RejectionReasons.MalformedJson : RejectionReasons.InvalidField);
        else
            errors.Add("body", "The body cannot be read as JSON: it is malformed or not valid UTF-8.", RejectionReasons.MalformedJson);
        return errors;
    }

    private delegate (object? Message, FieldErrors Errors, Guid? EventId) Reader(JsonElement payload, string secret, string companyKey, DateTimeOffset now);

    private static async Task<IResult> ReceiveAsync(HttpContext http, string companyKey, string kind, CompanyDirectory companies,
        EventPublisher publisher, RejectionLog rejections, TimeProvider time, Reader read)
    {
        var (body, tooLarge) = await JsonBody.ReadBytesAsync(http.Request, JsonBody.BatchLimit, http.RequestAborted);
        if (body is null) return tooLarge!;

        // Unknown company, no secret configured and a bad signature answer alike: nothing to learn by probing.
        var company = await companies.FindByKeyAsync(companyKey, http.RequestAborted);
        if (company?.ShopifyWebhookSecret is not { Length: > 0 } secret || !IsSigned(body.Value.Span, http.Request.Headers[SignatureHeader], secret))
            return Problems.Status(StatusCodes.Status401Unauthorized, $"{SignatureHeader} does not match the body signed with the company's shopifyWebhookSecret.");

        var now = time.GetUtcNow();
        var (payload, malformed) = JsonBody.Parse(body.Value);
        if (payload is null) return await RejectAsync(rejections, company.CompanyKey, kind, UnparsableBody(malformed), now, http.RequestAborted);
        using (payload)
        {
            var (message, errors, eventId) = read(payload.RootElement, secret, company.CompanyKey, now);
            if (!errors.IsEmpty) return await RejectAsync(rejections, company.CompanyKey, kind, errors, now, http.RequestAborted);
            if (message is null) return TypedResults.Ok(new { status = "ignored", reason = "the refund returns no money" });
            var published = message switch
            {
                Contracts.Ingestion.CheckoutCompleted c => await publisher.TryPublishAsync(c, c.EventId, kind, company.CompanyKey, http.RequestAborted),
                Contracts.Ingestion.RefundRecorded r => await publisher.TryPublishAsync(r, r.EventId, kind, company.CompanyKey, http.RequestAborted),
                _ => throw new InvalidOperationException(message.GetType().Name),
            };
            // Shopify treats any 2xx as delivered and retries anything else, which is what a 503 wants.
            return published ? TypedResults.Ok(new AcceptedEvent(eventId!.Value, "accepted")) : EventPublisher.BrokerUnavailable(http);
        }
    }

    /// <summary>Keeps the rejection for the data-quality report, as every ingestion endpoint does, but answers 200.</summary>
    private static async Task<IResult> RejectAsync(RejectionLog rejections, string companyKey, string kind, FieldErrors errors,
        DateTimeOffset receivedAt, CancellationToken ct)
    {
        await rejections.RecordAsync(companyKey, [new RejectionLog.Rejection(kind, errors)], receivedAt, ct);
        return TypedResults.Ok(new RejectedDelivery("rejected", errors.ToDictionary()));
    }
}
