using Attribution.Gateway.Admin.Companies;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Configuration;

namespace Attribution.Gateway.Admin.ViewerTokens;

/// <summary>
/// POST /v1/admin/companies/{companyKey}/viewer-tokens and DELETE …/viewer-tokens/{id} (contract §7):
/// the operator makes read-only dashboard tokens (shown once) and revokes them.
/// </summary>
public static class ViewerTokenAdminEndpoints
{
    public sealed record NewViewerToken(Guid Id, string Name, string ViewerToken, string CompanyKey, DateTimeOffset CreatedAt);

    public static IEndpointRouteBuilder MapViewerTokenAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/admin/companies/{companyKey}/viewer-tokens", Create)
            .WithName("CreateViewerToken")
            .WithSummary("Make a read-only viewer token for the company's dashboard; answers the token, shown once.")
            .Produces<NewViewerToken>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapDelete("/v1/admin/companies/{companyKey}/viewer-tokens/{id}", Revoke)
            .WithName("RevokeViewerToken")
            .WithSummary("Revoke a viewer token: it reads nothing from the next request on.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Create(string companyKey, HttpContext http, AttributionSettings settings, Auth.ViewerTokens tokens)
    {
        if (!CompanyAdminEndpoints.IsOperator(http.Request, settings)) return NotOperator();
        var (body, bad) = await JsonBody.ReadAsync(http.Request, JsonBody.SingleEventLimit, http.RequestAborted);
        if (body is null) return bad!;
        using (body)
        {
            if (!JsonFieldReader.TryOpen(body.RootElement, "", out var f)) return Problems.Validation(f.Errors.ToDictionary());
            var name = f.Text("name", 1, 200, required: true);
            if (name is null) return Problems.Validation(f.Errors.ToDictionary());
            var created = await tokens.CreateAsync(companyKey, name, http.RequestAborted);
            return created is null
                ? Problems.Status(StatusCodes.Status404NotFound, $"No company {companyKey}.")
                : TypedResults.Created($"/v1/admin/companies/{companyKey}/viewer-tokens/{created.Id}",
                    new NewViewerToken(created.Id, created.Name, created.ViewerToken, companyKey, created.CreatedAt));
        }
    }

    private static async Task<IResult> Revoke(string companyKey, string id, HttpContext http, AttributionSettings settings, Auth.ViewerTokens tokens)
    {
        if (!CompanyAdminEndpoints.IsOperator(http.Request, settings)) return NotOperator();
        if (!Guid.TryParse(id, out var tokenId))
            return Problems.Validation(new Dictionary<string, string[]> { ["id"] = ["id must be the id answered when the token was made (a UUID)."] });
        return await tokens.RevokeAsync(companyKey, tokenId, http.RequestAborted)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, $"Company {companyKey} has no viewer token {tokenId}.");
    }

    private static IResult NotOperator() =>
        Problems.Status(StatusCodes.Status401Unauthorized, "The operator token (ATTRIBUTION_ADMIN_TOKEN) is required as Authorization: Bearer.");
}
