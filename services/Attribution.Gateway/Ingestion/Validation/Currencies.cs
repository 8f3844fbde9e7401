using System.Collections.Frozen;
using System.Text.Json;

namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>
/// Active ISO 4217 codes with their minor units, from the generated table in
/// contracts/Attribution.Contracts/Reference/iso4217.json (see infra/iso4217). The browser SDK
/// reads the same table, so client and server agree on what a valid amount is.
/// </summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorUnits = Load();

    public static bool IsActive(string code) => MinorUnits.ContainsKey(code);

    public static int MinorUnitOf(string code) => MinorUnits[code];

    /// <summary>Decimals an amount really uses (79.990 uses 2).</summary>
    public static int DecimalsOf(decimal amount)
    {
        var normalized = amount / 1.000000000000000000000000000000000m; // drops trailing zeros from the scale
        return normalized.Scale;
    }

    private static FrozenDictionary<string, int> Load()
    {
        using var stream = typeof(Currencies).Assembly.GetManifestResourceStream("iso4217.json")
            ?? throw new InvalidOperationException("The ISO 4217 table is not embedded.");
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.GetProperty("currencies").EnumerateObject()
            .ToFrozenDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
    }
}
