using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;
using Attribution.Domain.Visitors;
using Attribution.ReadModels.VisitorCarts;

namespace Attribution.Gateway.Visitors;

/// <summary>
/// GET /v1/visitors/{fingerprint}/cart (API secret): the visitor's cart, folded from the cart events
/// the visitor-cart projection filed for them (in the order they happened), with quantities read as the
/// company's quantityMode says. Useful to support staff, and the proof that an event went all the
/// way through broker, event store and projection.
/// </summary>
public static class VisitorCartEndpoint
{
    public static IEndpointRouteBuilder MapVisitorCartEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/visitors/{fingerprint}/cart", Handle)
            .WithName("GetVisitorCart")
            .WithSummary("A visitor's cart, projected from their cart events (eventually consistent).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Handle(string fingerprint, HttpContext http, CompanyDirectory companies, VisitorCartQuery carts)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
        if (caller is null) return denied!;

        var cart = await carts.OfFingerprintAsync(caller.Company.CompanyKey, fingerprint, caller.Company.QuantityMode, http.RequestAborted);
        return cart is null
            ? Problems.Status(StatusCodes.Status404NotFound, "No cart events for this visitor yet.")
            : Results.Ok(cart);
    }
}
