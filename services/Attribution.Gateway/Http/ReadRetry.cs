namespace Attribution.Gateway.Http;

/// <summary>
/// A read that fails because the database dropped a pooled connection is run once more before the
/// caller sees a 503: after a database restart or failover every idle connection of a pool is dead,
/// and each fails once, on its first use, while a fresh one answers. Only GETs, which change nothing,
/// and only when nothing of the answer has been written yet.
/// </summary>
public static class ReadRetry
{
    public static IApplicationBuilder UseReadRetryOnDroppedConnection(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception ex) when (DatabaseUnavailableHandler.IsTransient(ex) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await next(context);
        }
    });
}
