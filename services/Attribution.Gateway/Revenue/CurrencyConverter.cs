using Attribution.Gateway.Ingestion.Validation;
using Npgsql;

namespace Attribution.Gateway.Revenue;

/// <summary>
/// Converts amounts at the company's rates (contract §7: units of reporting currency per unit, each in
/// force from its date; an amount converts at the rate of its own day). Pure once the rates are loaded.
/// </summary>
public sealed class CurrencyConverter(string reportingCurrency, IReadOnlyDictionary<string, IReadOnlyList<(DateOnly From, decimal Rate)>> rates)
{
    /// <summary>The currencies amounts can be shown in: the reporting currency, then every currency with a rate.</summary>
    public IReadOnlyList<string> AvailableCurrencies => [reportingCurrency, .. rates.Keys.Where(c => c != reportingCurrency).Order(StringComparer.Ordinal)];

    /// <summary>Units of reporting currency per unit of <paramref name="currency"/> on <paramref name="day"/>, or null without a rate.</summary>
    public decimal? RateOf(string currency, DateOnly day)
    {
        if (currency == reportingCurrency) return 1m;
        if (!rates.TryGetValue(currency, out var history)) return null;
        decimal? rate = null;
        foreach (var (from, value) in history) // ascending by date
        {
            if (from > day) break;
            rate = value;
        }
        return rate;
    }

    /// <summary>The amount in <paramref name="target"/>, or null when a rate it needs is missing on that day.</summary>
    public decimal? Convert(decimal amount, string currency, DateOnly day, string target)
    {
        if (currency == target) return amount;
        var toReporting = RateOf(currency, day);
        var targetRate = RateOf(target, day);
        return toReporting is null || targetRate is null ? null : amount * toReporting.Value / targetRate.Value;
    }

    public static decimal Round(decimal amount, string currency) =>
        Math.Round(amount, Currencies.IsActive(currency) ? Currencies.MinorUnitOf(currency) : 2, MidpointRounding.AwayFromZero);

    public static async Task<CurrencyConverter> LoadAsync(NpgsqlDataSource db, string companyKey, string reportingCurrency, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT currency, effective_date, rate FROM app.fx_rates WHERE company_key = $1 ORDER BY currency, effective_date");
        cmd.Parameters.AddWithValue(companyKey);
        var rates = new Dictionary<string, List<(DateOnly, decimal)>>(StringComparer.Ordinal);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var currency = reader.GetString(0);
            if (!rates.TryGetValue(currency, out var list)) rates[currency] = list = [];
            list.Add((reader.GetFieldValue<DateOnly>(1), reader.GetDecimal(2)));
        }
        return new CurrencyConverter(reportingCurrency, rates.ToDictionary(r => r.Key, r => (IReadOnlyList<(DateOnly, decimal)>)r.Value, StringComparer.Ordinal));
    }
}

/// <summary>
/// Sums amounts of one figure in a target currency, keeping what cannot be converted per currency
/// (contract §6: listed under <c>unconverted</c>, never dropped).
/// </summary>
public sealed class MoneySum(CurrencyConverter fx, string target)
{
    public decimal Converted { get; private set; }

    public SortedDictionary<string, decimal> Unconverted { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds an amount; false when it could not be converted.</summary>
    public bool Add(decimal amount, string currency, DateOnly day)
    {
        if (amount == 0) return fx.Convert(1, currency, day, target) is not null;
        if (fx.Convert(amount, currency, day, target) is { } converted)
        {
            Converted += converted;
            return true;
        }
        Unconverted[currency] = Unconverted.GetValueOrDefault(currency) + amount;
        return false;
    }

    public decimal Value => CurrencyConverter.Round(Converted, target);
}
