namespace Attribution.Gateway.Http;

/// <summary>RFC 7807 answers (<c>application/problem+json</c>) used by every endpoint.</summary>
public static class Problems
{
    public static IResult Validation(IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "One or more fields are invalid.");

    public static IResult Status(int status, string detail, string? retryAfterSeconds = null, HttpContext? http = null)
    {
        if (retryAfterSeconds is not null && http is not null) http.Response.Headers.RetryAfter = retryAfterSeconds;
        return TypedResults.Problem(detail: detail, statusCode: status);
    }
}
