using Attribution.EventStore;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.Visitors;
using Npgsql;
using Attribution.Domain.Visitors;

namespace Attribution.Gateway.Visitors;

/// <summary>
/// GET /v1/visitors/{fingerprint}/cart (API secret): the visitor's cart, folded from the cart events
/// the revenue projector filed for them (in the order they happened), with quantities read as the
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

    private static async Task<IResult> Handle(string fingerprint, HttpContext http, CompanyDirectory companies, NpgsqlDataSource db)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
        if (caller is null) return denied!;

        // A fingerprint may be a chat or an FAQ one; the chat one wins when both exist.
        await using var cmd = db.CreateCommand("""
            SELECT data FROM event_store.documents
            WHERE type = $1 AND id = ANY($2)
            ORDER BY array_position($2, id) LIMIT 1
            """);
        cmd.Parameters.AddWithValue(VisitorCart.DocumentType);
        cmd.Parameters.AddWithValue(VisitorKey.Candidates(fingerprint).Select(k => VisitorKey.DocumentId(caller.Company.CompanyKey, k)).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(http.RequestAborted);
        if (!await reader.ReadAsync(http.RequestAborted))
            return Problems.Status(StatusCodes.Status404NotFound, "No cart events for this visitor yet.");
        var cart = StoredJson.Read<VisitorCart>(reader, 0);
        return Results.Ok(VisitorCartFold.View(cart, caller.Company.QuantityMode));
    }
}
