using System.Text.Json;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Rejections;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.Gateway.Ingestion;

/// <summary>
/// The steps every ingestion endpoint shares, in order: who is calling (401/403), from which
/// origin (CORS), what they sent (415/413/400 malformed), and, on a validation failure, the
/// 400 that names every bad field, kept in the rejection log.
/// </summary>
public sealed class IngestionRequest(CompanyDirectory companies, RejectionLog rejections, TimeProvider time)
{
    public sealed record Opened(Caller Caller, JsonDocument Body, DateTimeOffset ReceivedAt);

    public async Task<(Opened? Request, IResult? Failure)> OpenAsync(HttpContext http, bool serverOnly, int bodyLimit, string kind)
    {
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly);
        string? origin = http.Request.Headers.Origin;
        if (!string.IsNullOrEmpty(origin))
        {
            if (caller is not null && !caller.IsServer && !BrowserOrigins.IsAllowed(caller.Company, origin))
                return (null, Problems.Status(StatusCodes.Status403Forbidden, $"Origin {origin} is not allowed for this company."));
            BrowserOrigins.Allow(http.Response, origin);
        }
        if (caller is null) return (null, denied);

        var now = time.GetUtcNow();
        var (body, bad) = await JsonBody.ReadAsync(http.Request, bodyLimit, http.RequestAborted);
        if (body is null)
        {
            if (bad is IStatusCodeHttpResult { StatusCode: StatusCodes.Status400BadRequest })
            {
                var errors = new FieldErrors();
                errors.Add("body", "malformed JSON", RejectionReasons.MalformedJson);
                await rejections.RecordAsync(caller.Company.CompanyKey, [new RejectionLog.Rejection(kind, errors)], now, http.RequestAborted);
            }
            return (null, bad);
        }
        return (new Opened(caller, body, now), null);
    }

    public Task<IResult> RejectAsync(Opened request, string kind, FieldErrors errors, CancellationToken ct) =>
        RejectAsync(request.Caller.Company.CompanyKey, kind, errors, request.ReceivedAt, ct);

    /// <summary>Keeps the rejection for the data-quality report and answers 400 naming every bad field.</summary>
    public async Task<IResult> RejectAsync(string companyKey, string kind, FieldErrors errors, DateTimeOffset receivedAt, CancellationToken ct)
    {
        await rejections.RecordAsync(companyKey, [new RejectionLog.Rejection(kind, errors)], receivedAt, ct);
        return Problems.Validation(errors.ToDictionary());
    }
}
