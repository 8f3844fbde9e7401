using Attribution.Gateway.Auth;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Gateway.Revenue;
using Attribution.ServiceDefaults.Companies;
using Attribution.ReadModels.DataQuality;

namespace Attribution.Gateway.DataQuality;

/// <summary>
/// GET /v1/data-quality (contract §6): counts and recent examples of what quietly breaks revenue data,
/// from two places: what the gateway rejected and what the engine found wrong in accepted events
/// (<see cref="DataQualityQuery"/>), labelled and always listing the mistakes the seeds name.
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
        app.MapGet("/v1/data-quality", (HttpContext http, CompanyDirectory companies, DataQualityQuery findings, TimeProvider time) =>
                ReportQuery.HandleAsync(http, companies, time, async q => TypedResults.Ok(await ReportAsync(findings, q, http.RequestAborted))))
            .WithTags("Data quality")
            .ReadableByViewers()
            .WithSummary("Counts and recent examples of rejected or suspicious events, by reason.")
            .Produces<Report>().ProducesValidationProblem();
        return app;
    }

    public static async Task<Report> ReportAsync(DataQualityQuery findings, ReportQuery q, CancellationToken ct)
    {
        var (start, end) = q.Bounds;
        var byReason = await findings.ByReasonAsync(q.Company.CompanyKey, start, end, ExamplesPerReason, ct);
        var reasons = Named
            .Select(n => Count(n.Reason, n.Label))
            .Concat(byReason.Keys.Where(k => Named.All(n => n.Reason != k)).Order(StringComparer.Ordinal)
                .Select(k => Count(k, LabelOf(k))))
            .ToList();
        return new Report(q.From, q.To, reasons.Sum(r => r.Count), reasons);

        ReasonCount Count(string reason, string label) => byReason.TryGetValue(reason, out var found)
            ? new ReasonCount(reason, label, found.Count, [.. found.Newest.Select(f => new Example(f.At, f.Kind, f.EventId, f.Detail))])
            : new ReasonCount(reason, label, 0, []);
    }

    /// <summary>The SDK's client-side rejections are listed under their own reasons, beside the server's: sdk_bad_currency.</summary>
    public const string SdkPrefix = DataQualityQuery.SdkPrefix;

    private static string LabelOf(string reason)
    {
        if (!reason.StartsWith(SdkPrefix, StringComparison.Ordinal)) return OtherLabels.GetValueOrDefault(reason, reason);
        var server = reason[SdkPrefix.Length..];
        var label = Named.FirstOrDefault(n => n.Reason == server).Label ?? OtherLabels.GetValueOrDefault(server, server.Replace('_', ' '));
        return $"Refused in the browser by the SDK: {label}";
    }
}
