using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Ingestion.Cart;

/// <summary>POST /v1/events/cart (contract §3).</summary>
public static class CartEndpoint
{
    public static IEndpointRouteBuilder MapCartEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events/cart", Handle)
            .WithName("PostCartEvent")
            .WithSummary("Record a storefront cart event (ITEM_ADDED, QUANTITY_INCREASED, QUANTITY_DECREASED, ITEM_REMOVED).")
            .Accepts<object>("application/json", "text/plain")
            .Produces<AcceptedEvent>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> Handle(HttpContext http, CompanyDirectory companies, EventPublisher publisher, TimeProvider time)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: false);
        if (caller is null) return denied!;

        var (body, bad) = await JsonBody.ReadAsync(http.Request, JsonBody.SingleEventLimit, http.RequestAborted);
        if (body is null) return bad!;
        using (body)
        {
            var (message, errors) = CartEventValidator.Validate(
                body.RootElement, caller.Company.CompanyKey, caller.Company.QuantityMode == QuantityMode.TOTAL, time.GetUtcNow());
            if (message is null) return Problems.Validation(errors.ToDictionary());
            return await publisher.PublishAsync(http, message, message.EventId, "cart");
        }
    }
}
