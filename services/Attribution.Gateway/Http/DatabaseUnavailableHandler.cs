using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Attribution.Gateway.Http;

/// <summary>
/// A database that is restarting, failing over or out of connections, or a deadlock that outlived
/// its retries, is the caller's cue to retry, not a server bug: 503 with Retry-After, as the
/// publishing endpoints answer for the broker. Any other exception stays a 500.
/// </summary>
public sealed class DatabaseUnavailableHandler(ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const string RetryAfterSeconds = "2";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception) || httpContext.Response.HasStarted) return false;
        logger.LogWarning(exception, "{Method} {Path}: the database could not answer right now; 503", httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await Problems.Status(StatusCodes.Status503ServiceUnavailable, "The database could not answer right now; retry shortly.", RetryAfterSeconds, httpContext)
            .ExecuteAsync(httpContext);
        return true;
    }

    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException p => p.IsTransient || p.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        NpgsqlException n => n.IsTransient,
        TimeoutException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };
}
