using System.Text.Json.Serialization;
using Npgsql;

namespace Attribution.Gateway.Revenue;

/// <summary>The daily trend and the split by channel (contract §6), over the same rollups as the summary.</summary>
public sealed partial class RevenueReads
{
    /// <summary>What a day could not convert, per currency and figure.</summary>
    public sealed record DailyUnconverted(string Currency, decimal AttributedRevenue, decimal TotalCheckoutRevenue, decimal CartGmv);

    public sealed record DailyRevenue(
        DateOnly Date, decimal AttributedRevenue, decimal TotalCheckoutRevenue, int AttributedOrders, int Orders, decimal CartGmv,
        string Currency, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DailyUnconverted>? Unconverted);

    public sealed record ChannelUnconverted(string Currency, decimal CheckoutRevenue, decimal CartGmv);

    public sealed record ChannelRevenue(
        string Channel, int AttributedOrders, decimal CheckoutRevenue, decimal CartGmv, string Currency,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ChannelUnconverted>? Unconverted);

    public static readonly string[] Channels = ["CHAT", "FAQ", "NUDGE"];

    /// <summary>One row per day of the range, zeros included: attributed and total checkout revenue, orders, cart GMV.</summary>
    public async Task<IReadOnlyList<DailyRevenue>> DailyAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var days = q.Days().ToDictionary(d => d, _ => new DayTotals(fx, q.Currency));
        await using var cmd = db.CreateCommand("""
            SELECT day, currency, checkout_revenue, total_checkout_revenue, attributed_orders, counted_orders, cart_gmv
            FROM revenue.company_days WHERE company_key = $1 AND day BETWEEN $2 AND $3
            """);
        AddRange(cmd, q);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var (day, currency) = (r.GetFieldValue<DateOnly>(0), r.GetString(1));
                var d = days[day];
                d.Attributed.Add(r.GetDecimal(2), currency, day);
                d.Total.Add(r.GetDecimal(3), currency, day);
                d.AttributedOrders += r.GetInt32(4);
                d.Orders += r.GetInt32(5);
                d.CartGmv.Add(r.GetDecimal(6), currency, day);
            }
        return days.Select(d =>
        {
            var t = d.Value;
            var unconverted = new[] { t.Attributed, t.Total, t.CartGmv }.SelectMany(m => m.Unconverted.Keys).Distinct().Order(StringComparer.Ordinal)
                .Select(c => new DailyUnconverted(c, t.Attributed.Unconverted.GetValueOrDefault(c), t.Total.Unconverted.GetValueOrDefault(c),
                    t.CartGmv.Unconverted.GetValueOrDefault(c)))
                .ToList();
            return new DailyRevenue(d.Key, t.Attributed.Value, t.Total.Value, t.AttributedOrders, t.Orders, t.CartGmv.Value, q.Currency,
                unconverted.Count == 0 ? null : unconverted);
        }).ToList();
    }

    private sealed class DayTotals(CurrencyConverter fx, string currency)
    {
        public MoneySum Attributed { get; } = new(fx, currency);
        public MoneySum Total { get; } = new(fx, currency);
        public MoneySum CartGmv { get; } = new(fx, currency);
        public int AttributedOrders { get; set; }
        public int Orders { get; set; }
    }

    /// <summary>
    /// Attributed orders, checkout revenue and cart GMV per credited channel: CHAT and FAQ from the
    /// revenue of their conversations, NUDGE what the company's attributed figures hold beyond them
    /// (a nudge credits no conversation). Refunds subtract where their order was credited.
    /// </summary>
    public async Task<IReadOnlyList<ChannelRevenue>> ChannelsAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        // Per channel, day and currency: (orders, revenue, cart GMV) before conversion.
        var raw = new Dictionary<(string Channel, DateOnly Day, string Currency), (int Orders, decimal Revenue, decimal CartGmv)>();
        void Add(string channel, DateOnly day, string currency, int orders, decimal revenue, decimal cartGmv)
        {
            var now = raw.GetValueOrDefault((channel, day, currency));
            raw[(channel, day, currency)] = (now.Orders + orders, now.Revenue + revenue, now.CartGmv + cartGmv);
        }

        await using (var cmd = db.CreateCommand("""
            SELECT 'ALL', day, currency, sum(attributed_orders)::int, sum(checkout_revenue), sum(cart_gmv)
            FROM revenue.company_days WHERE company_key = $1 AND day BETWEEN $2 AND $3 GROUP BY day, currency
            UNION ALL
            SELECT coalesce(c.channel, 'CHAT'), d.day, d.currency, sum(d.attributed_orders)::int, sum(d.checkout_revenue), sum(d.cart_gmv)
            FROM revenue.conversation_days d
            LEFT JOIN revenue.conversations c ON c.company_key = d.company_key AND c.conversation_id = d.conversation_id
            WHERE d.company_key = $1 AND d.day BETWEEN $2 AND $3 GROUP BY 1, d.day, d.currency
            """))
        {
            AddRange(cmd, q);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (channel, day, currency) = (r.GetString(0), r.GetFieldValue<DateOnly>(1), r.GetString(2));
                var (orders, revenue, cartGmv) = (r.GetInt32(3), r.GetDecimal(4), r.GetDecimal(5));
                if (channel == "ALL") Add("NUDGE", day, currency, orders, revenue, cartGmv);
                else
                {
                    Add(channel, day, currency, orders, revenue, cartGmv);
                    Add("NUDGE", day, currency, -orders, -revenue, -cartGmv);
                }
            }
        }

        return Channels.Select(channel =>
        {
            MoneySum revenue = new(fx, q.Currency), cartGmv = new(fx, q.Currency);
            var orders = 0;
            foreach (var ((c, day, currency), v) in raw.Where(x => x.Key.Channel == channel))
            {
                orders += v.Orders;
                revenue.Add(v.Revenue, currency, day);
                cartGmv.Add(v.CartGmv, currency, day);
            }
            var unconverted = revenue.Unconverted.Keys.Union(cartGmv.Unconverted.Keys).Order(StringComparer.Ordinal)
                .Select(c => new ChannelUnconverted(c, revenue.Unconverted.GetValueOrDefault(c), cartGmv.Unconverted.GetValueOrDefault(c)))
                .Where(u => u.CheckoutRevenue != 0 || u.CartGmv != 0)
                .ToList();
            return new ChannelRevenue(channel, orders, revenue.Value, cartGmv.Value, q.Currency, unconverted.Count == 0 ? null : unconverted);
        }).ToList();
    }
}
