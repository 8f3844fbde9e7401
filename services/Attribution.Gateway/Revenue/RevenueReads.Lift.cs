using System.Text.Json.Serialization;
using Npgsql;

namespace Attribution.Gateway.Revenue;

/// <summary>Assisted vs unassisted visitors (contract §6), over the engagement read models (ServiceDefaults migration 0010).</summary>
public sealed partial class RevenueReads
{
    /// <summary>Below these, in either group, a lift is shown but <c>enoughData</c> is false.</summary>
    public const int MinimumVisitors = 30;
    public const int MinimumConvertingVisitors = 5;

    public sealed record LiftGroup(
        int Visitors, int ConvertingVisitors, int Orders, decimal? ConversionRate, decimal? AverageOrderValue, decimal? RevenuePerVisitor,
        decimal Revenue, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UnconvertedAmount>? Unconverted);

    public sealed record Lift(
        DateOnly From, DateOnly To, string Currency, LiftGroup Assisted, LiftGroup Unassisted,
        decimal? ConversionLift, decimal[]? ConversionLiftInterval, decimal? AovLift, decimal[]? AovLiftInterval,
        bool EnoughData, int MinimumVisitors, int MinimumConvertingVisitors);

    /// <summary>
    /// A visitor is seen in the range when any of their events happened in it, and assisted when one of
    /// their conversations or nudge clicks qualified in it (contract §4: a conversation from the moment
    /// it has a real shopper message and a helpful answer; a nudge at its first click). An FAQ visitor
    /// is joined to the chat visitor whose cart or checkout carried both fingerprints. Orders are the
    /// counted checkouts in the range (each orderId once, test orders never), at their full value;
    /// orders without any fingerprint belong to no visitor and are left out.
    /// </summary>
    public async Task<Lift> LiftAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var (start, end) = q.Bounds;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var assisted = new HashSet<string>(StringComparer.Ordinal);
        var orders = new List<(string Visitor, DateOnly Day, decimal Value, string Currency)>();

        await using (var cmd = db.CreateCommand("""
            SELECT DISTINCT coalesce(a.visitor_key, d.visitor_key)
            FROM revenue.visitor_days d
            LEFT JOIN revenue.visitor_aliases a ON a.company_key = d.company_key AND a.alias_key = d.visitor_key
            WHERE d.company_key = $1 AND d.day BETWEEN $2 AND $3
            """))
        {
            AddRange(cmd, q);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) seen.Add(r.GetString(0));
        }

        // When each conversation (per visitor) and each nudge first qualified; those that did so in the range.
        await using (var cmd = db.CreateCommand("""
            WITH steps AS (
                SELECT visitor_key, channel, kind = 'NUDGE_CLICKED' AS is_nudge,
                       CASE WHEN kind = 'NUDGE_CLICKED' THEN nudge_id ELSE conversation_id END AS thread,
                       occurred_at, real_message, kind = 'ASSISTANT_ANSWER' AND coalesce(helpful, false) AS helpful_answer
                FROM revenue.interactions
                WHERE company_key = $1 AND occurred_at < $3
                  AND ((kind = 'NUDGE_CLICKED' AND nudge_id IS NOT NULL)
                       OR (channel IN ('CHAT', 'FAQ') AND kind IN ('SHOPPER_MESSAGE', 'ASSISTANT_ANSWER') AND conversation_id IS NOT NULL))
            ), threads AS (
                SELECT visitor_key,
                       CASE WHEN is_nudge THEN min(occurred_at)
                            ELSE greatest(min(occurred_at) FILTER (WHERE real_message), min(occurred_at) FILTER (WHERE helpful_answer))
                       END AS qualified_at,
                       is_nudge OR (bool_or(real_message) AND bool_or(helpful_answer)) AS qualifies
                FROM steps GROUP BY visitor_key, channel, is_nudge, thread
            )
            SELECT DISTINCT coalesce(a.visitor_key, t.visitor_key)
            FROM threads t
            LEFT JOIN revenue.visitor_aliases a ON a.company_key = $1 AND a.alias_key = t.visitor_key
            WHERE t.qualifies AND t.qualified_at >= $2 AND t.qualified_at < $3
            """))
        {
            cmd.Parameters.AddWithValue(q.Company.CompanyKey);
            cmd.Parameters.AddWithValue(start);
            cmd.Parameters.AddWithValue(end);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) assisted.Add(r.GetString(0));
        }

        await using (var cmd = db.CreateCommand("""
            SELECT coalesce(a.visitor_key, o.visitor_key), o.day, o.value, o.currency
            FROM revenue.visitor_orders o
            LEFT JOIN revenue.visitor_aliases a ON a.company_key = o.company_key AND a.alias_key = o.visitor_key
            WHERE o.company_key = $1 AND o.day BETWEEN $2 AND $3 AND o.counted AND o.visitor_key IS NOT NULL
            """))
        {
            AddRange(cmd, q);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                orders.Add((r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetDecimal(2), r.GetString(3).Trim()));
        }

        (LiftGroup Group, List<decimal> Values) Group(bool isAssisted)
        {
            var visitors = seen.Where(v => assisted.Contains(v) == isAssisted).ToHashSet(StringComparer.Ordinal);
            var theirs = orders.Where(o => visitors.Contains(o.Visitor)).ToList();
            var revenue = new MoneySum(fx, q.Currency);
            var values = new List<decimal>();
            foreach (var o in theirs)
            {
                if (fx.Convert(o.Value, o.Currency, o.Day, q.Currency) is { } converted) values.Add(converted);
                revenue.Add(o.Value, o.Currency, o.Day);
            }
            var converting = theirs.Select(o => o.Visitor).Distinct(StringComparer.Ordinal).Count();
            return (new LiftGroup(visitors.Count, converting, theirs.Count, Intervals.Ratio(converting, visitors.Count),
                values.Count == 0 ? null : CurrencyConverter.Round(values.Sum() / values.Count, q.Currency),
                visitors.Count == 0 ? null : CurrencyConverter.Round(revenue.Converted / visitors.Count, q.Currency),
                revenue.Value, UnconvertedOf(revenue)), values);
        }

        var (a, aValues) = Group(isAssisted: true);
        var (u, uValues) = Group(isAssisted: false);
        var conversion = Intervals.RateRatio(a.ConvertingVisitors, a.Visitors, u.ConvertingVisitors, u.Visitors);
        var aov = Intervals.MeanRatio(aValues, uValues);
        var enough = new[] { a, u }.All(g => g.Visitors >= MinimumVisitors && g.ConvertingVisitors >= MinimumConvertingVisitors);
        return new Lift(q.From, q.To, q.Currency, a, u,
            a.Visitors > 0 && u.ConvertingVisitors > 0
                ? Intervals.Round((double)a.ConvertingVisitors / a.Visitors / ((double)u.ConvertingVisitors / u.Visitors)) : null,
            conversion is null ? null : [conversion.Low, conversion.High],
            aValues.Count > 0 && uValues.Count > 0 && uValues.Sum() > 0
                ? Intervals.Round((double)(aValues.Sum() / aValues.Count) / (double)(uValues.Sum() / uValues.Count)) : null,
            aov is null ? null : [aov.Low, aov.High],
            enough, MinimumVisitors, MinimumConvertingVisitors);
    }
}
