using System.Text.Json;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Gateway.Revenue;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.ReadModels;
using Npgsql;

namespace Attribution.Gateway.DataQuality;

/// <summary>
/// GET /v1/data-quality (contract §6): counts and recent examples of what quietly breaks revenue data,
/// from two places: what the gateway rejected (<c>app.rejected_events</c>, by received time) and what
/// the engine found wrong in accepted events (<c>revenue.data_quality_findings</c>, by occurredAt).
/// </summary>
public static class DataQualityEndpoint
{
    public const int ExamplesPerReason = 5;

    /// <summary>The mistakes the seeds name, always listed (zeros included), in this order; other reasons follow when seen.</summary>
    private static readonly (string Reason, string Label)[] Named =
    [
        (RejectionReasons.UnknownCartType, "Unknown cart type"),
        (RejectionReasons.MissingField, "Missing field"),
        (RejectionReasons.BadCurrency, "Bad currency"),
        (RejectionReasons.BadDecimals, "Bad decimals for the currency"),
        (DataQualityReasons.CheckoutWithoutOrderId, "Checkout without orderId"),
        (DataQualityReasons.DuplicateOrder, "Duplicate order"),
        (DataQualityReasons.DecreaseBelowZero, "Decrease below zero (totals sent as changes?)"),
        (RejectionReasons.LineItemCurrencyMismatch, "Line-item currency mismatch"),
        (DataQualityReasons.BrowserOrderReplaced, "Browser order replaced by a verified copy of another value"),
        (DataQualityReasons.NotStored, "Accepted but could not be stored (in the error queue)"),
    ];

    private static readonly Dictionary<string, string> OtherLabels = new(StringComparer.Ordinal)
    {
        [RejectionReasons.InvalidField] = "Invalid field",
        [RejectionReasons.MalformedJson] = "Malformed JSON",
        [RejectionReasons.NotAllowedForKey] = "Not allowed for the browser key",
    };

    public sealed record Example(DateTimeOffset At, string Kind, Guid? EventId, string Detail);

    public sealed record ReasonCount(string Reason, string Label, int Count, IReadOnlyList<Example> Examples);

    public sealed record Report(DateOnly From, DateOnly To, int Total, IReadOnlyList<ReasonCount> Reasons);

    public static IEndpointRouteBuilder MapDataQualityEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/data-quality", (HttpContext http, CompanyDirectory companies, NpgsqlDataSource db, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await ReportAsync(db, q, http.RequestAborted))))
            .WithTags("Data quality")
            .ReadableByViewers()
            .WithSummary("Counts and recent examples of rejected or suspicious events, by reason.")
            .Produces<Report>().ProducesValidationProblem();
        return app;
    }

    public static async Task<Report> ReportAsync(NpgsqlDataSource db, ReportQuery q, CancellationToken ct)
    {
        var (start, end) = q.Bounds;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = new Dictionary<string, List<Example>>(StringComparer.Ordinal);

        // One statement per source: the count per reason, and the newest examples of each.
        await using var cmd = db.CreateCommand($"""
            WITH rejected AS (
                SELECT reason, kind, NULL::uuid AS event_id, received_at AS at, errors::text AS detail, id::text AS tiebreak, 1 AS weight
                FROM app.rejected_events, unnest(reasons) AS reason
                WHERE company_key = $1 AND received_at >= $2 AND received_at < $3
            ), found AS (
                SELECT reason, kind, event_id, occurred_at AS at, detail, event_id::text AS tiebreak, 1 AS weight
                FROM revenue.data_quality_findings
                WHERE company_key = $1 AND occurred_at >= $2 AND occurred_at < $3
            ), refused_in_browser AS (
                SELECT '{SdkPrefix}' || reason, 'sdk', NULL::uuid, received_at, field || ': ' || reason || ' (' || count || '×)', 'sdk' || id, count
                FROM app.sdk_rejections
                WHERE company_key = $1 AND received_at >= $2 AND received_at < $3
            ), ranked AS (
                SELECT *, row_number() OVER (PARTITION BY reason ORDER BY at DESC, tiebreak) AS n, sum(weight) OVER (PARTITION BY reason) AS total
                FROM (SELECT * FROM rejected UNION ALL SELECT * FROM found UNION ALL SELECT * FROM refused_in_browser) AS all_findings
            )
            SELECT reason, total::int, kind, event_id, at, detail FROM ranked WHERE n <= {ExamplesPerReason} ORDER BY reason, n
            """);
        cmd.Parameters.AddWithValue(q.Company.CompanyKey);
        cmd.Parameters.AddWithValue(start);
        cmd.Parameters.AddWithValue(end);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var reason = r.GetString(0);
                counts[reason] = r.GetInt32(1);
                if (!examples.TryGetValue(reason, out var list)) examples[reason] = list = [];
                var eventId = r.IsDBNull(3) ? (Guid?)null : r.GetGuid(3);
                var kind = r.GetString(2);
                list.Add(new Example(r.GetFieldValue<DateTimeOffset>(4), kind, eventId,
                    eventId is null && kind != "sdk" ? Describe(r.GetString(5)) : r.GetString(5)));
            }

        var reasons = Named
            .Select(n => new ReasonCount(n.Reason, n.Label, counts.GetValueOrDefault(n.Reason), examples.GetValueOrDefault(n.Reason) ?? []))
            .Concat(counts.Keys.Where(k => Named.All(n => n.Reason != k)).Order(StringComparer.Ordinal)
                .Select(k => new ReasonCount(k, LabelOf(k), counts[k], examples[k])))
            .ToList();
        return new Report(q.From, q.To, reasons.Sum(r => r.Count), reasons);
    }

    /// <summary>The SDK's client-side rejections are listed under their own reasons, beside the server's: sdk_bad_currency.</summary>
    public const string SdkPrefix = "sdk_";

    private static string LabelOf(string reason)
    {
        if (!reason.StartsWith(SdkPrefix, StringComparison.Ordinal)) return OtherLabels.GetValueOrDefault(reason, reason);
        var server = reason[SdkPrefix.Length..];
        var label = Named.FirstOrDefault(n => n.Reason == server).Label ?? OtherLabels.GetValueOrDefault(server, server.Replace('_', ' '));
        return $"Refused in the browser by the SDK: {label}";
    }

    /// <summary>A rejection's field errors as one line: "type: … ; currency: …".</summary>
    private static string Describe(string errorsJson)
    {
        using var doc = JsonDocument.Parse(errorsJson);
        return string.Join("; ", doc.RootElement.EnumerateObject()
            .Select(p => $"{p.Name}: {string.Join(" ", p.Value.EnumerateArray().Select(m => m.GetString()))}"));
    }
}
