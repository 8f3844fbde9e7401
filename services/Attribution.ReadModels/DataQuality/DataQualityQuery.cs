using System.Text.Json;
using Attribution.EventStore.Databases;
using Npgsql;

namespace Attribution.ReadModels.DataQuality;

/// <summary>
/// What quietly breaks revenue data, by reason, from three places: what the gateway rejected
/// (<c>app.rejected_events</c>, by received time), what the engine found wrong in accepted
/// events (<c>revenue.data_quality_findings</c>, by occurredAt), and what the browser SDK refused
/// before sending (<c>app.sdk_rejections</c>, counted, under <see cref="SdkPrefix"/> reasons).
/// </summary>
public sealed class DataQualityQuery(NpgsqlDataSource catalog, CompanyDatabases databases)
{
    /// <summary>The SDK's client-side rejections are listed under their own reasons, beside the server's: sdk_bad_currency.</summary>
    public const string SdkPrefix = "sdk_";

    /// <summary>One rejected or suspicious event; <see cref="EventId"/> is null for a rejection (never stored).</summary>
    public sealed record Finding(DateTimeOffset At, string Kind, Guid? EventId, string Detail);

    /// <summary>How many findings a reason has in the range, and the newest of them.</summary>
    public sealed record ReasonFindings(int Count, IReadOnlyList<Finding> Newest);

    // Rejections are recorded in the catalog (before a company's database is known), findings in the
    // company's database: one ranked read from each, merged by reason.
    private const string Rejections = $"""
        SELECT reason, kind, NULL::uuid AS event_id, received_at AS at, errors::text AS detail, id::text AS tiebreak, 1 AS weight
        FROM app.rejected_events, unnest(reasons) AS reason
        WHERE company_key = $1 AND received_at >= $2 AND received_at < $3
        UNION ALL
        SELECT '{SdkPrefix}' || reason, 'sdk', NULL::uuid, received_at, field || ': ' || reason || ' (' || count || '×)', 'sdk' || id, count
        FROM app.sdk_rejections
        WHERE company_key = $1 AND received_at >= $2 AND received_at < $3
        """;

    private const string Findings = """
        SELECT reason, kind, event_id, occurred_at AS at, detail, event_id::text AS tiebreak, 1 AS weight
        FROM revenue.data_quality_findings
        WHERE company_key = $1 AND occurred_at >= $2 AND occurred_at < $3
        """;

    private sealed record Row(string Reason, int Total, Finding Finding, string Tiebreak);

    /// <summary>Each reason seen in [<paramref name="start"/>, <paramref name="end"/>), with its count and up to <paramref name="examplesPerReason"/> newest findings.</summary>
    public async Task<IReadOnlyDictionary<string, ReasonFindings>> ByReasonAsync(
        string companyKey, DateTimeOffset start, DateTimeOffset end, int examplesPerReason, CancellationToken ct)
    {
        var company = await databases.ForCompanyAsync(companyKey, ct);
        var rows = await Task.WhenAll(
            RankedAsync(catalog, Rejections, companyKey, start, end, examplesPerReason, ct),
            RankedAsync(company.DataSource, Findings, companyKey, start, end, examplesPerReason, ct));
        // Every row of a reason carries its source's total for that reason.
        var totals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var reason in rows.SelectMany(source => source.GroupBy(r => r.Reason, StringComparer.Ordinal)))
            totals[reason.Key] = totals.GetValueOrDefault(reason.Key) + reason.First().Total;
        return rows.SelectMany(r => r).GroupBy(r => r.Reason, StringComparer.Ordinal).ToDictionary(
            reason => reason.Key,
            reason => new ReasonFindings(totals[reason.Key],
                [.. reason.OrderByDescending(r => r.Finding.At).ThenBy(r => r.Tiebreak, StringComparer.Ordinal).Take(examplesPerReason).Select(r => r.Finding)]),
            StringComparer.Ordinal);
    }

    /// <summary>The count per reason of one source, and the newest examples of each, in one statement.</summary>
    private static async Task<List<Row>> RankedAsync(
        NpgsqlDataSource db, string source, string companyKey, DateTimeOffset start, DateTimeOffset end, int examplesPerReason, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            WITH ranked AS (
                SELECT *, row_number() OVER (PARTITION BY reason ORDER BY at DESC, tiebreak) AS n, sum(weight) OVER (PARTITION BY reason) AS total
                FROM ({source}) AS findings
            )
            SELECT reason, total::int, kind, event_id, at, detail, tiebreak FROM ranked WHERE n <= {examplesPerReason} ORDER BY reason, n
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(start);
        cmd.Parameters.AddWithValue(end);
        var rows = new List<Row>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var eventId = r.IsDBNull(3) ? (Guid?)null : r.GetGuid(3);
            var kind = r.GetString(2);
            rows.Add(new Row(r.GetString(0), r.GetInt32(1), new Finding(r.GetFieldValue<DateTimeOffset>(4), kind, eventId,
                eventId is null && kind != "sdk" ? Describe(r.GetString(5)) : r.GetString(5)), r.GetString(6)));
        }
        return rows;
    }

    /// <summary>A rejection's field errors as one line: "type: … ; currency: …".</summary>
    private static string Describe(string errorsJson)
    {
        using var doc = JsonDocument.Parse(errorsJson);
        return string.Join("; ", doc.RootElement.EnumerateObject()
            .Select(p => $"{p.Name}: {string.Join(" ", p.Value.EnumerateArray().Select(m => m.GetString()))}"));
    }
}
