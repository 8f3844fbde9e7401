using System.Text.Json;
using System.Text.RegularExpressions;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Npgsql;

namespace Attribution.Gateway.Ingestion.Diagnostics;

/// <summary>
/// POST /v1/events/sdk-diagnostics (contract §8): the browser SDK's client-side rejections, counted
/// by "&lt;field&gt;: &lt;reason&gt;", at most once a minute per page. Public key or API secret, CORS-checked
/// like every storefront call; kept in <c>app.sdk_rejections</c> (migration 0012) for the data-quality report.
/// </summary>
public static partial class SdkDiagnosticsEndpoint
{
    public const int MaxEntries = 100;
    public const int MaxCount = 1_000_000;

    public sealed record Rejection(string Field, string Reason, int Count);

    public sealed record Received(int Rejections, string Status);

    public static IEndpointRouteBuilder MapSdkDiagnostics(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events/sdk-diagnostics", async (HttpContext http, IngestionRequest ingestion, NpgsqlDataSource db) =>
            {
                var (request, failure) = await ingestion.OpenAsync(http, serverOnly: false, JsonBody.SingleEventLimit, "sdk-diagnostics");
                if (request is null) return failure!;
                using var body = request.Body;
                var (rejections, errors) = Validate(body.RootElement);
                if (rejections is null) return Problems.Validation(errors.ToDictionary());

                await using var cmd = db.CreateCommand("""
                    INSERT INTO app.sdk_rejections (company_key, field, reason, count, received_at)
                    SELECT $1, field, reason, count, $5 FROM unnest($2::text[], $3::text[], $4::int[]) AS r(field, reason, count)
                    """);
                cmd.Parameters.AddWithValue(request.Caller.Company.CompanyKey);
                cmd.Parameters.AddWithValue(rejections.Select(r => r.Field).ToArray());
                cmd.Parameters.AddWithValue(rejections.Select(r => r.Reason).ToArray());
                cmd.Parameters.AddWithValue(rejections.Select(r => r.Count).ToArray());
                cmd.Parameters.AddWithValue(request.ReceivedAt);
                await cmd.ExecuteNonQueryAsync(http.RequestAborted);
                return TypedResults.Accepted((string?)null, new Received(rejections.Sum(r => r.Count), "accepted"));
            })
            .RequireRateLimiting(IngestionRateLimits.Policy)
            .WithTags("Events")
            .WithName("PostSdkDiagnostics")
            .WithSummary("The browser SDK's client-side rejections, counted by \"<field>: <reason>\" (public key).")
            .Accepts<JsonElement>("application/json", "text/plain")
            .Produces<Received>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        return app;
    }

    /// <summary>Pure: <c>{ "rejections": { "currency: bad_currency": 3 } }</c>, 1–100 entries, each count 1–1,000,000.</summary>
    public static (IReadOnlyList<Rejection>? Rejections, FieldErrors Errors) Validate(JsonElement body)
    {
        if (!JsonFieldReader.TryOpen(body, "", out var f)) return (null, f.Errors);
        var errors = f.Errors;
        if (!body.TryGetProperty("rejections", out var map) || map.ValueKind != JsonValueKind.Object || !map.EnumerateObject().Any())
        {
            errors.Add("rejections", "rejections must be an object of \"<field>: <reason>\" → count, e.g. { \"currency: bad_currency\": 2 }.", RejectionReasons.MissingField);
            return (null, errors);
        }
        var entries = map.EnumerateObject().ToList();
        if (entries.Count > MaxEntries)
        {
            errors.Add("rejections", $"rejections must have at most {MaxEntries} entries.");
            return (null, errors);
        }

        var result = new List<Rejection>();
        foreach (var entry in entries)
        {
            var name = $"rejections.{JsonFieldReader.Shown(entry.Name, 64)}";
            var cut = entry.Name.LastIndexOf(": ", StringComparison.Ordinal);
            var (field, reason) = cut > 0 ? (entry.Name[..cut], entry.Name[(cut + 2)..]) : ("", "");
            if (field.Length is 0 or > 256 || field.Any(char.IsControl) || !ReasonPattern().IsMatch(reason))
                errors.Add(name, "Each key must be \"<field>: <reason>\": a field name (1–256 characters, no control characters) and a reason code such as bad_currency.");
            else if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var count) || count is < 1 or > MaxCount)
                errors.Add(name, $"Each count must be a whole number from 1 to {MaxCount}.");
            else
                result.Add(new Rejection(field, reason, count));
        }
        return errors.IsEmpty ? (result, errors) : (null, errors);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,63}$")]
    private static partial Regex ReasonPattern();
}
