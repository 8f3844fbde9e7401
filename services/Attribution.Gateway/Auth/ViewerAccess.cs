using Attribution.Gateway.Http;

namespace Attribution.Gateway.Auth;

/// <summary>Marks an endpoint a viewer token may call: the reads of contract §6.</summary>
public sealed class ViewerReadable
{
    public static readonly ViewerReadable Instance = new();
}

/// <summary>
/// Viewer tokens read the §6 endpoints and nothing else (contract §2). Checked once here, for every
/// route under /v1/, so an endpoint added later is refused to viewers unless it is marked readable;
/// the readable ones then accept the viewer through <see cref="CallerAuthentication"/>.
/// </summary>
public static class ViewerAccess
{
    public static TBuilder ReadableByViewers<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ViewerReadable.Instance);

    public static IApplicationBuilder UseViewerAccess(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/v1")
            && CallerAuthentication.BearerToken(http.Request) is { } bearer && ViewerTokens.LooksLikeOne(bearer)
            && !(HttpMethods.IsGet(http.Request.Method) && http.GetEndpoint()?.Metadata.GetMetadata<ViewerReadable>() is not null)
            && await http.RequestServices.GetRequiredService<ViewerTokens>().CompanyOfAsync(bearer, http.RequestAborted) is not null)
        {
            await Problems.Status(StatusCodes.Status403Forbidden, "A viewer token reads the dashboard figures (contract §6) and nothing else.")
                .ExecuteAsync(http);
            return;
        }
        await next(http);
    });
}
