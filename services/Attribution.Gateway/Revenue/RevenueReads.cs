using Attribution.EventStore.Databases;
using System.Text.Json.Serialization;
using Npgsql;
using Attribution.Domain.Companies;
using Attribution.Domain.Rules;

namespace Attribution.Gateway.Revenue;

/// <summary>
/// The Revenue Impact reads (contract §6) over the engine's read models (schema: ServiceDefaults
/// migration 0005). Rows come per day and original currency; here they are converted at each day's
/// rate, and whatever has no rate is listed under <c>unconverted</c>. Every answer names the rule
/// versions of the decisions in it (several only when a setting changed without a replay).
/// </summary>
public sealed partial class RevenueReads(NpgsqlDataSource catalog, CompanyDatabases databases)
{
    public sealed record UnconvertedAmounts(
        string Currency, decimal CheckoutRevenue, decimal TotalCartGmv, decimal NetCartValue, decimal TotalCheckoutRevenue, decimal Refunded);

    /// <summary>The summary; <see cref="AvailableCurrencies"/> are those <c>?currency=</c> can convert to (a rate is configured).</summary>
    public sealed record Summary(
        DateOnly From, DateOnly To, string Currency, decimal CheckoutRevenue, int AttributedOrders, decimal? AverageOrderValue,
        decimal TotalCartGmv, decimal NetCartValue, decimal TotalCheckoutRevenue, decimal? AttributedShare, decimal? FingerprintCoverage,
        decimal Refunded, IReadOnlyList<UnconvertedAmounts> Unconverted, string RuleVersion, IReadOnlyList<string> AvailableCurrencies);

    public sealed record UnconvertedAmount(string Currency, decimal Amount);

    public sealed record DailyCartGmv(DateOnly Date, decimal CartGmv, string Currency, string RuleVersion, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UnconvertedAmount>? Unconverted);

    public sealed record ProductRevenue(
        string ProductId, string ProductName, int Quantity, decimal Revenue, string Currency, string RuleVersion, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UnconvertedAmount>? Unconverted);

    /// <summary>
    /// One arm of the A/B test, or the conversations without a variant (<see cref="Variant"/> null,
    /// never an arm: no delta, never significant). Arms compare against the first arm (<see cref="ComparedWith"/>).
    /// </summary>
    public sealed record VariantRevenue(
        string? Variant, int Conversations, int AttributedOrders, decimal CheckoutRevenue, decimal? AverageOrderValue,
        decimal? RevenuePerConversation, decimal? ConversionRate, string? ComparedWith, decimal? ConversionRateDelta,
        decimal[]? ConversionRateDeltaInterval, bool? Significant,
        string Currency, string RuleVersion, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<UnconvertedAmount>? Unconverted);

    public sealed record ConversationOrderView(string? OrderId, decimal Value, string Currency, DateTimeOffset OccurredAt);

    public sealed record ConversationRevenue(
        string ConversationId, decimal CheckoutRevenue, decimal CartGmv, decimal NetCartValue, decimal Refunded, string Currency,
        IReadOnlyList<UnconvertedAmounts> Unconverted, IReadOnlyList<ConversationOrderView> Orders, string RuleVersion);

    public async Task<Summary> SummaryAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        MoneySum checkout = new(fx, q.Currency), cartGmv = new(fx, q.Currency), net = new(fx, q.Currency),
            total = new(fx, q.Currency), refunded = new(fx, q.Currency);
        int attributedOrders = 0, convertedOrders = 0, countedOrders = 0, withFingerprint = 0;
        var versions = new SortedSet<string>(StringComparer.Ordinal);

        await using var cmd = db.CreateCommand("""
            SELECT day, currency, rule_version, checkout_revenue, attributed_orders, cart_gmv, net_cart_value,
                   total_checkout_revenue, counted_orders, orders_with_fingerprint, refunded
            FROM revenue.company_days WHERE company_key = $1 AND day BETWEEN $2 AND $3
            """);
        AddRange(cmd, q);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var (day, currency) = (r.GetFieldValue<DateOnly>(0), r.GetString(1));
                versions.Add(r.GetString(2));
                var orders = r.GetInt32(4);
                attributedOrders += orders;
                if (checkout.Add(r.GetDecimal(3), currency, day)) convertedOrders += orders;
                cartGmv.Add(r.GetDecimal(5), currency, day);
                net.Add(r.GetDecimal(6), currency, day);
                total.Add(r.GetDecimal(7), currency, day);
                countedOrders += r.GetInt32(8);
                withFingerprint += r.GetInt32(9);
                refunded.Add(r.GetDecimal(10), currency, day);
            }

        return new Summary(q.From, q.To, q.Currency, checkout.Value, attributedOrders,
            convertedOrders == 0 ? null : CurrencyConverter.Round(checkout.Converted / convertedOrders, q.Currency),
            cartGmv.Value, net.Value, total.Value,
            total.Converted == 0 ? null : Math.Round(checkout.Converted / total.Converted, 4, MidpointRounding.AwayFromZero),
            countedOrders == 0 ? null : Math.Round((decimal)withFingerprint / countedOrders, 4, MidpointRounding.AwayFromZero),
            refunded.Value, UnconvertedOf(checkout, cartGmv, net, total, refunded), VersionOf(versions, q.Company), fx.AvailableCurrencies);
    }

    public async Task<IReadOnlyList<DailyCartGmv>> DailyCartGmvAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var days = q.Days().ToDictionary(d => d, _ => (Sum: new MoneySum(fx, q.Currency), Versions: new SortedSet<string>(StringComparer.Ordinal)));
        await using var cmd = db.CreateCommand("""
            SELECT day, currency, rule_version, cart_gmv FROM revenue.company_days
            WHERE company_key = $1 AND day BETWEEN $2 AND $3 AND cart_gmv <> 0
            """);
        AddRange(cmd, q);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var day = days[r.GetFieldValue<DateOnly>(0)];
                day.Versions.Add(r.GetString(2));
                day.Sum.Add(r.GetDecimal(3), r.GetString(1), r.GetFieldValue<DateOnly>(0));
            }
        return days.Select(d => new DailyCartGmv(d.Key, d.Value.Sum.Value, q.Currency, VersionOf(d.Value.Versions, q.Company), UnconvertedOf(d.Value.Sum)))
            .ToList();
    }

    public async Task<IReadOnlyList<ProductRevenue>> ProductsAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var products = new Dictionary<string, (string Name, DateOnly NamedOn, int Quantity, MoneySum Revenue, SortedSet<string> Versions)>(StringComparer.Ordinal);
        await using var cmd = db.CreateCommand("""
            SELECT day, currency, rule_version, product_id, product_name, quantity, revenue FROM revenue.product_days
            WHERE company_key = $1 AND day BETWEEN $2 AND $3
            """);
        AddRange(cmd, q);
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                var (day, id, name) = (r.GetFieldValue<DateOnly>(0), r.GetString(3), r.GetString(4));
                if (!products.TryGetValue(id, out var p)) p = (name, day, 0, new MoneySum(fx, q.Currency), new SortedSet<string>(StringComparer.Ordinal));
                p.Revenue.Add(r.GetDecimal(6), r.GetString(1), day);
                p.Versions.Add(r.GetString(2));
                products[id] = (day >= p.NamedOn ? name : p.Name, day >= p.NamedOn ? day : p.NamedOn, p.Quantity + r.GetInt32(5), p.Revenue, p.Versions);
            }
        return products
            .Select(p => new ProductRevenue(p.Key, p.Value.Name, p.Value.Quantity, p.Value.Revenue.Value, q.Currency,
                VersionOf(p.Value.Versions, q.Company), UnconvertedOf(p.Value.Revenue)))
            .OrderByDescending(p => p.Revenue).ThenByDescending(p => p.Quantity).ThenBy(p => p.ProductId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Per A/B variant: conversations started in the range (chat and FAQ, by their first interaction) and
    /// the attributed orders and revenue credited to conversations of that variant.
    /// </summary>
    public async Task<IReadOnlyList<VariantRevenue>> VariantsAsync(ReportQuery q, CancellationToken ct)
    {
        var db = await DatabaseOf(q.Company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, q.Company.CompanyKey, q.Company.ReportingCurrency, ct);
        var variants = new Dictionary<string, VariantTotals>(StringComparer.Ordinal);
        VariantTotals Of(string variant) =>
            variants.TryGetValue(variant, out var v) ? v : variants[variant] = new VariantTotals(new MoneySum(fx, q.Currency));

        await using (var cmd = db.CreateCommand("""
            SELECT day, currency, rule_version, variant, attributed_orders, checkout_revenue FROM revenue.variant_days
            WHERE company_key = $1 AND day BETWEEN $2 AND $3
            """))
        {
            AddRange(cmd, q);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var v = Of(r.GetString(3));
                var orders = r.GetInt32(4);
                v.Orders += orders;
                if (v.Revenue.Add(r.GetDecimal(5), r.GetString(1), r.GetFieldValue<DateOnly>(0))) v.ConvertedOrders += orders;
                v.Versions.Add(r.GetString(2));
            }
        }

        var (start, end) = q.Bounds;
        await using (var cmd = db.CreateCommand("""
            SELECT coalesce(variant, ''), count(*)::int FROM revenue.conversations
            WHERE company_key = $1 AND started_at >= $2 AND started_at < $3 GROUP BY 1
            """))
        {
            cmd.Parameters.AddWithValue(q.Company.CompanyKey);
            cmd.Parameters.AddWithValue(start);
            cmd.Parameters.AddWithValue(end);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) Of(r.GetString(0)).Conversations = r.GetInt32(1);
        }

        var baseline = variants.Where(v => v.Key.Length > 0).OrderBy(v => v.Key, StringComparer.Ordinal).FirstOrDefault();
        return variants
            .OrderBy(v => v.Key.Length == 0).ThenBy(v => v.Key, StringComparer.Ordinal)
            .Select(v =>
            {
                var (variant, t) = (v.Key, v.Value);
                var isArm = variant.Length > 0 && variant != baseline.Key;
                var delta = isArm ? Intervals.RateDifference(baseline.Value.Orders, baseline.Value.Conversations, t.Orders, t.Conversations) : null;
                var rate = Intervals.Ratio(t.Orders, t.Conversations);
                return new VariantRevenue(
                    variant.Length == 0 ? null : variant, t.Conversations, t.Orders, t.Revenue.Value,
                    t.ConvertedOrders == 0 ? null : CurrencyConverter.Round(t.Revenue.Converted / t.ConvertedOrders, q.Currency),
                    t.Conversations == 0 ? null : CurrencyConverter.Round(t.Revenue.Converted / t.Conversations, q.Currency),
                    rate,
                    isArm ? baseline.Key : null,
                    isArm && t.Conversations > 0 && baseline.Value.Conversations > 0
                        ? Intervals.Round((double)t.Orders / t.Conversations - (double)baseline.Value.Orders / baseline.Value.Conversations)
                        : null,
                    delta is null ? null : [delta.Low, delta.High],
                    isArm ? delta?.ExcludesZero ?? false : null,
                    q.Currency, VersionOf(t.Versions, q.Company), UnconvertedOf(t.Revenue));
            })
            .ToList();
    }

    private sealed class VariantTotals(MoneySum revenue)
    {
        public int Conversations { get; set; }
        public int Orders { get; set; }
        public int ConvertedOrders { get; set; }
        public MoneySum Revenue { get; } = revenue;
        public SortedSet<string> Versions { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Everything credited to one conversation, over all time; null when the conversation is unknown.</summary>
    public async Task<ConversationRevenue?> ConversationAsync(Company company, string conversationId, string currency, CancellationToken ct)
    {
        var db = await DatabaseOf(company.CompanyKey, ct);
        var fx = await CurrencyConverter.LoadAsync(catalog, company.CompanyKey, company.ReportingCurrency, ct);
        MoneySum checkout = new(fx, currency), cartGmv = new(fx, currency), net = new(fx, currency), refunded = new(fx, currency);
        var versions = new SortedSet<string>(StringComparer.Ordinal);
        var rows = 0;
        await using (var cmd = db.CreateCommand("""
            SELECT day, currency, rule_version, checkout_revenue, cart_gmv, net_cart_value, refunded FROM revenue.conversation_days
            WHERE company_key = $1 AND conversation_id = $2
            """))
        {
            cmd.Parameters.AddWithValue(company.CompanyKey);
            cmd.Parameters.AddWithValue(conversationId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                rows++;
                var (day, code) = (r.GetFieldValue<DateOnly>(0), r.GetString(1));
                versions.Add(r.GetString(2));
                checkout.Add(r.GetDecimal(3), code, day);
                cartGmv.Add(r.GetDecimal(4), code, day);
                net.Add(r.GetDecimal(5), code, day);
                refunded.Add(r.GetDecimal(6), code, day);
            }
        }

        var orders = new List<ConversationOrderView>();
        await using (var cmd = db.CreateCommand("""
            SELECT order_id, value, currency, occurred_at FROM revenue.conversation_orders
            WHERE company_key = $1 AND conversation_id = $2 ORDER BY occurred_at, order_id
            """))
        {
            cmd.Parameters.AddWithValue(company.CompanyKey);
            cmd.Parameters.AddWithValue(conversationId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                orders.Add(new ConversationOrderView(r.IsDBNull(0) ? null : r.GetString(0), r.GetDecimal(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3)));
        }

        if (rows == 0 && !await ConversationExistsAsync(db, company.CompanyKey, conversationId, ct)) return null;
        return new ConversationRevenue(conversationId, checkout.Value, cartGmv.Value, net.Value, refunded.Value, currency,
            UnconvertedOf(checkout, cartGmv, net, total: null, refunded), orders,
            VersionOf(versions, company));
    }

    private static async Task<bool> ConversationExistsAsync(NpgsqlDataSource db, string companyKey, string conversationId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT 1 FROM revenue.conversations WHERE company_key = $1 AND conversation_id = $2");
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(conversationId);
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>The company's database (its read models); exchange rates are in the catalog.</summary>
    private async ValueTask<NpgsqlDataSource> DatabaseOf(string companyKey, CancellationToken ct) =>
        (await databases.ForCompanyAsync(companyKey, ct)).DataSource;

    private static void AddRange(NpgsqlCommand cmd, ReportQuery q)
    {
        cmd.Parameters.AddWithValue(q.Company.CompanyKey);
        cmd.Parameters.AddWithValue(q.From);
        cmd.Parameters.AddWithValue(q.To);
    }

    /// <summary>The rule versions behind a figure; the company's current one when no decision is in it.</summary>
    private static string VersionOf(SortedSet<string> versions, Company company) =>
        versions.Count == 0 ? RuleVersions.Of(company) : string.Join(", ", versions);

    /// <summary>Per currency, what each figure could not convert (a conversation has no total checkout revenue).</summary>
    private static List<UnconvertedAmounts> UnconvertedOf(MoneySum checkout, MoneySum cartGmv, MoneySum net, MoneySum? total, MoneySum refunded) =>
        new[] { checkout, cartGmv, net, total, refunded }.OfType<MoneySum>().SelectMany(m => m.Unconverted.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(c => new UnconvertedAmounts(c, checkout.Unconverted.GetValueOrDefault(c), cartGmv.Unconverted.GetValueOrDefault(c),
                net.Unconverted.GetValueOrDefault(c), total?.Unconverted.GetValueOrDefault(c) ?? 0, refunded.Unconverted.GetValueOrDefault(c)))
            .ToList();

    private static List<UnconvertedAmount>? UnconvertedOf(MoneySum sum) =>
        sum.Unconverted.Count == 0 ? null : sum.Unconverted.Select(u => new UnconvertedAmount(u.Key, u.Value)).ToList();
}
