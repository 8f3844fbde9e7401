using System.Text.Json;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Cart;
using Attribution.Gateway.Ingestion.Checkout;
using Attribution.Gateway.Ingestion.Interactions;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.Gateway.Ingestion.Refunds;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Domain.Companies;

namespace Attribution.Gateway.Ingestion;

/// <summary>POST /v1/events/{cart,checkout,refund,interactions} (contract §3).</summary>
public static class IngestionEndpoints
{
    /// <summary>A validator for one kind of event: body, company, clock → message or errors. Pure.</summary>
    public delegate (T? Message, FieldErrors Errors) Validator<T>(JsonElement body, Company company, DateTimeOffset now) where T : class;

    public static readonly Validator<Contracts.Ingestion.CartEventReceived> Cart =
        (body, company, now) => CartEventValidator.Validate(body, company.CompanyKey, company.QuantityMode == QuantityMode.TOTAL, now);

    public static readonly Validator<Contracts.Ingestion.CheckoutCompleted> Checkout =
        (body, company, now) => CheckoutValidator.Validate(body, company.CompanyKey, now);

    public static readonly Validator<Contracts.Ingestion.InteractionRecorded> Interaction =
        (body, company, now) => InteractionValidator.Validate(body, company.CompanyKey, now);

    public static readonly Validator<Contracts.Ingestion.RefundRecorded> Refund =
        (body, company, now) => RefundValidator.Validate(body, company.CompanyKey, now);

    /// <summary>
    /// A checkout carries who vouches for it (contract §3): sent with the apiSecret it is verified and
    /// replaces any browser copy of its order; sent with the public key it is a browser copy.
    /// </summary>
    public static T WithSource<T>(T message, bool sentWithSecret) where T : class =>
        message is Contracts.Ingestion.CheckoutCompleted checkout
            ? (T)(object)(checkout with { Source = sentWithSecret ? Contracts.Ingestion.CheckoutSources.Server : Contracts.Ingestion.CheckoutSources.Browser })
            : message;

    public static IEndpointRouteBuilder MapIngestionEndpoints(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/v1/events").RequireRateLimiting(IngestionRateLimits.Policy);

        Map(events, "/cart", "cart", serverOnly: false, Cart, m => m.EventId,
            "Record a storefront cart event (ITEM_ADDED, QUANTITY_INCREASED, QUANTITY_DECREASED, ITEM_REMOVED).");
        Map(events, "/checkout", "checkout", serverOnly: false, Checkout, m => m.EventId,
            "Record a completed order; orderId is the per-company dedup key.");
        Map(events, "/interactions", "interaction", serverOnly: true, Interaction, m => m.EventId,
            "Record an assistant interaction (API secret only).");
        Map(events, "/refund", "refund", serverOnly: true, Refund, m => m.EventId,
            "Record a refund against an earlier order (API secret only).");
        return app;
    }

    private static void Map<T>(RouteGroupBuilder group, string path, string kind, bool serverOnly, Validator<T> validate, Func<T, Guid> idOf, string summary)
        where T : class
    {
        group.MapPost(path, async (HttpContext http, IngestionRequest ingestion, EventPublisher publisher) =>
            {
                var (request, failure) = await ingestion.OpenAsync(http, serverOnly, JsonBody.SingleEventLimit, kind);
                if (request is null) return failure!;
                using var body = request.Body;

                var (message, errors) = validate(body.RootElement, request.Caller.Company, request.ReceivedAt);
                if (message is null) return await ingestion.RejectAsync(request, kind, errors, http.RequestAborted);

                var eventId = idOf(message);
                return await publisher.TryPublishAsync(WithSource(message, request.Caller.IsServer), eventId, kind, request.Caller.Company.CompanyKey, http.RequestAborted)
                    ? TypedResults.Accepted((string?)null, new AcceptedEvent(eventId, "accepted"))
                    : EventPublisher.BrokerUnavailable(http);
            })
            .WithName("Post" + char.ToUpperInvariant(kind[0]) + kind[1..])
            .WithSummary(summary)
            .Accepts<JsonElement>("application/json", "text/plain")
            .Produces<AcceptedEvent>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
