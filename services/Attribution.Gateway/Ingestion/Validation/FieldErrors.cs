namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>Every problem with a request, by field (contract §3: "every bad field named"), each with a reason code.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _reasons = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    /// <summary>The distinct <see cref="RejectionReasons"/> behind the errors, for the data-quality report.</summary>
    public IReadOnlyCollection<string> Reasons => _reasons;

    public void Add(string field, string message, string reason = RejectionReasons.InvalidField)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        _reasons.Add(reason);
    }

    public bool Has(string field) => _errors.ContainsKey(field);

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>Why an event was rejected, in the words of the data-quality report (contract §6).</summary>
public static class RejectionReasons
{
    public const string UnknownCartType = "unknown_cart_type";
    public const string MissingField = "missing_field";
    public const string BadCurrency = "bad_currency";
    public const string BadDecimals = "bad_decimals";
    public const string LineItemCurrencyMismatch = "line_item_currency_mismatch";
    public const string InvalidField = "invalid_field";
    public const string MalformedJson = "malformed_json";
    public const string NotAllowedForKey = "not_allowed_for_key";
}
