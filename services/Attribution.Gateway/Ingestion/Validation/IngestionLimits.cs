using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>
/// The bounds of contract §3, read from the one rule table both the gateway and the browser SDK
/// enforce: contracts/Attribution.Contracts/Reference/ingestion-rules.json (embedded here, and
/// inlined into /sdk/v1/attribution.js). Change a rule there, and both sides change together.
/// </summary>
public static class IngestionLimits
{
    private static readonly JsonElement Rules = Load();

    /// <summary>Largest amount accepted (value, order total, refund).</summary>
    public static readonly decimal MaxValue = Rules.GetProperty("maxValue").GetDecimal();

    public static readonly int MinQuantity = Rules.GetProperty("quantity").GetProperty("min").GetInt32();
    public static readonly int MaxQuantity = Rules.GetProperty("quantity").GetProperty("max").GetInt32();
    public static readonly int MaxLineItems = Rules.GetProperty("maxLineItems").GetInt32();
    public static readonly int MaxBatchEvents = Rules.GetProperty("batch").GetProperty("maxEvents").GetInt32();
    public static readonly TimeSpan MaxPast = TimeSpan.FromDays(Rules.GetProperty("occurredAt").GetProperty("maxPastDays").GetInt32());
    public static readonly TimeSpan MaxFuture = TimeSpan.FromMinutes(Rules.GetProperty("occurredAt").GetProperty("maxFutureMinutes").GetInt32());
    private static readonly Regex FingerprintPattern = new(Rules.GetProperty("fingerprintPattern").GetString()!, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    public static readonly IReadOnlyList<string> CartTypes = [.. Rules.GetProperty("cartTypes").EnumerateArray().Select(t => t.GetString()!)];

    /// <summary>A fingerprint matches the table's pattern over the whole text (.NET's <c>$</c> would also allow a final newline; JavaScript's does not).</summary>
    public static bool IsFingerprint(string value) => FingerprintPattern.Match(value) is { Success: true } m && m.Length == value.Length;

    private static readonly FrozenDictionary<string, int> TextLengths =
        Rules.GetProperty("text").EnumerateObject().ToFrozenDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);

    /// <summary>The longest text accepted for an id or name field (looked up once per event: kept out of the JSON).</summary>
    public static int MaxLength(string field) => TextLengths[field];

    /// <summary>The table as served to the SDK (its raw JSON).</summary>
    public static string RulesJson { get; } = Rules.GetRawText();

    private static JsonElement Load()
    {
        using var stream = typeof(IngestionLimits).Assembly.GetManifestResourceStream("ingestion-rules.json")
            ?? throw new InvalidOperationException("The ingestion rule table is not embedded.");
        using var doc = JsonDocument.Parse(stream);
        return doc.RootElement.Clone();
    }
}
