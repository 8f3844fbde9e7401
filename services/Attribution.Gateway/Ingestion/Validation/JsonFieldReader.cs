using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Attribution.Gateway.Ingestion.Validation;

/// <summary>
/// Reads fields of a JSON object and records what is wrong with each, so one pass names every
/// bad field. Unknown fields are ignored. Numbers are read as <see cref="decimal"/> from their
/// JSON text, exactly or not at all, so money never passes through a binary float nor is rounded.
/// Text holds no control characters, so whatever passes can be stored (contract §3).
/// </summary>
public sealed class JsonFieldReader(JsonElement body, FieldErrors errors, string prefix = "")
{
    public FieldErrors Errors => errors;

    public static readonly TimeSpan MaxFuture = IngestionLimits.MaxFuture;
    public static readonly TimeSpan MaxPast = IngestionLimits.MaxPast;


    public string Name(string field) => prefix + field;

    /// <summary>A reader over <paramref name="body"/>, or false (with the error recorded) when it is not a JSON object.</summary>
    public static bool TryOpen(JsonElement body, string prefix, out JsonFieldReader reader)
    {
        reader = new JsonFieldReader(body, new FieldErrors(), prefix);
        if (body.ValueKind == JsonValueKind.Object) return true;
        reader.Errors.Add(prefix.Length == 0 ? "body" : prefix.TrimEnd('.'), "The body must be a JSON object.");
        return false;
    }

    /// <summary>Fingerprints: each checked against the pattern; at least one required unless <paramref name="required"/> is false.</summary>
    public (string? User, string? Faq) Fingerprints(bool required)
    {
        var user = Fingerprint("userFingerprint");
        var faq = Fingerprint("userFaqFingerprint");
        if (required && !Has("userFingerprint") && !Has("userFaqFingerprint"))
            errors.Add(Name("userFingerprint"), "At least one of userFingerprint or userFaqFingerprint is required.", RejectionReasons.MissingField);
        return (user, faq);
    }

    public bool Has(string field) =>
        body.TryGetProperty(field, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    /// <param name="allowTabAndNewline">True only for the interaction's free <c>text</c>: every other
    /// text field is a single line (contract §3). A newline may come as CRLF, so CR is allowed with it.</param>
    public string? Text(string field, int minLength, int maxLength, bool required, bool allowBlank = false, bool allowTabAndNewline = false)
    {
        if (!body.TryGetProperty(field, out var v) || v.ValueKind is JsonValueKind.Null)
        {
            if (required) errors.Add(Name(field), $"{field} is required.", RejectionReasons.MissingField);
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add(Name(field), $"{field} must be a string.");
            return null;
        }
        var s = v.GetString()!;
        if (!allowBlank && s.Length > 0 && string.IsNullOrWhiteSpace(s))
            errors.Add(Name(field), $"{field} must not be blank.");
        else if (s.Length < minLength || s.Length > maxLength)
            errors.Add(Name(field), minLength == maxLength
                ? $"{field} must be exactly {minLength} characters."
                : $"{field} must be {minLength}–{maxLength} characters.");
        else if (ContainsControlCharacter(s, allowTabAndNewline))
            errors.Add(Name(field), allowTabAndNewline
                ? $"{field} must not contain control characters other than tab and newline."
                : $"{field} must not contain control characters (such as NUL, tab or newline).");
        else
            return s;
        return null;
    }

    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create([.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(char.IsControl)]);

    private static readonly SearchValues<char> ControlCharactersButTabAndNewline =
        SearchValues.Create([.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'))]);

    /// <summary>
    /// Whether <paramref name="s"/> holds a control character (<see cref="char.IsControl(char)"/>: U+0000–U+001F,
    /// U+007F–U+009F). PostgreSQL cannot store NUL at all, and none of them belongs in an id or a name.
    /// </summary>
    public static bool ContainsControlCharacter(ReadOnlySpan<char> s, bool allowTabAndNewline = false) =>
        s.ContainsAny(allowTabAndNewline ? ControlCharactersButTabAndNewline : ControlCharacters);

    public string? Fingerprint(string field)
    {
        var s = Text(field, 1, 128, required: false);
        if (s is not null && !IngestionLimits.IsFingerprint(s))
        {
            errors.Add(Name(field), $"{field} must be 1–128 characters of [A-Za-z0-9._:-].");
            return null;
        }
        return s;
    }

    public T? Enum<T>(string field, bool required, string unknownReason = RejectionReasons.InvalidField) where T : struct, Enum
    {
        if (!Has(field))
        {
            if (required) errors.Add(Name(field), $"{field} is required: one of {Allowed<T>()}.", RejectionReasons.MissingField);
            return null;
        }
        var v = body.GetProperty(field);
        // Case-sensitive on purpose (contract §3): "item_added" is an error, never a guess.
        if (v.ValueKind == JsonValueKind.String && System.Enum.GetNames<T>().Contains(v.GetString(), StringComparer.Ordinal))
            return System.Enum.Parse<T>(v.GetString()!);
        errors.Add(Name(field), $"{field} must be exactly one of {Allowed<T>()} (case-sensitive).", unknownReason);
        return null;
    }

    private static string Allowed<T>() where T : struct, Enum => string.Join(", ", System.Enum.GetNames<T>());

    /// <summary>
    /// A number within [<paramref name="min"/>, <paramref name="max"/>], read from its JSON text as a
    /// <see cref="decimal"/>; a number the decimal could only hold rounded is refused, never rounded.
    /// </summary>
    public decimal? Number(string field, decimal min, decimal max, bool required)
    {
        if (!Has(field))
        {
            if (required) errors.Add(Name(field), $"{field} is required.", RejectionReasons.MissingField);
            return null;
        }
        var reading = ExactDecimals.Read(body.GetProperty(field), out var d);
        if (reading == ExactDecimals.Reading.NotANumber)
        {
            errors.Add(Name(field), $"{field} must be a finite number.");
            return null;
        }
        if (d < min || d > max)
        {
            errors.Add(Name(field), $"{field} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }
        if (reading == ExactDecimals.Reading.Inexact)
        {
            errors.Add(Name(field), $"{field} has more digits than can be represented exactly.");
            return null;
        }
        return d;
    }

    public int? WholeNumber(string field, int min, int max, bool required)
    {
        var d = Number(field, min, max, required);
        if (d is null) return null;
        if (decimal.Truncate(d.Value) != d.Value)
        {
            errors.Add(Name(field), $"{field} must be a whole number.");
            return null;
        }
        return (int)d.Value;
    }

    public string? Currency(string field, bool required)
    {
        if (!Has(field))
        {
            if (required) errors.Add(Name(field), $"{field} is required.", RejectionReasons.MissingField);
            return null;
        }
        var v = body.GetProperty(field);
        var code = v.ValueKind == JsonValueKind.String ? v.GetString()! : null;
        if (code is null || !Currencies.IsActive(code))
        {
            errors.Add(Name(field), code is null
                ? $"{field} must be an ISO 4217 code string (e.g. USD)."
                : $"{field} must be an active ISO 4217 code in upper case (e.g. USD); '{Shown(code)}' is not.", RejectionReasons.BadCurrency);
            return null;
        }
        return code;
    }

    /// <summary>
    /// A rejected value as echoed in a message: short, and with control characters replaced, because
    /// messages are kept in the rejection log too.
    /// </summary>
    public static string Shown(string value, int maxLength = 16)
    {
        var shown = value.Length <= maxLength ? value : value[..maxLength] + "…";
        return ContainsControlCharacter(shown) ? string.Concat(shown.Select(c => char.IsControl(c) ? '\uFFFD' : c)) : shown;
    }

    /// <summary>Rejects an amount with more decimals than its currency's minor unit (JPY 0, USD 2, KWD 3).</summary>
    public void CheckMinorUnits(string amountField, decimal? amount, string? currency)
    {
        if (amount is null || currency is null) return;
        var allowed = Currencies.MinorUnitOf(currency);
        if (Currencies.DecimalsOf(amount.Value) > allowed)
            errors.Add(Name(amountField), $"{amountField} has more decimals than {currency} allows ({allowed}).", RejectionReasons.BadDecimals);
    }

    public bool? Boolean(string field, bool required)
    {
        if (!Has(field))
        {
            if (required) errors.Add(Name(field), $"{field} is required (true or false).", RejectionReasons.MissingField);
            return null;
        }
        var v = body.GetProperty(field);
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        errors.Add(Name(field), $"{field} must be true or false.");
        return null;
    }

    public Guid? EventId(string field)
    {
        var s = Text(field, 1, 64, required: false);
        if (s is null) return null;
        if (Guid.TryParse(s, out var id)) return id;
        errors.Add(Name(field), $"{field} must be a UUID.");
        return null;
    }

    /// <summary>RFC 3339 timestamp within [now − 30 days, now + 5 minutes]; defaults to <paramref name="now"/>.</summary>
    public DateTimeOffset OccurredAt(string field, DateTimeOffset now)
    {
        var s = Text(field, 1, 64, required: false);
        if (s is null) return now;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
            || !s.Contains('T', StringComparison.OrdinalIgnoreCase)
            || !(s.EndsWith('Z') || s.EndsWith('z') || s.LastIndexOfAny(['+', '-']) > s.IndexOf('T', StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add(Name(field), $"{field} must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-21T10:00:00Z.");
            return now;
        }
        if (at > now + MaxFuture) errors.Add(Name(field), $"{field} must not be more than {MaxFuture.TotalMinutes:0} minutes in the future.");
        else if (at < now - MaxPast) errors.Add(Name(field), $"{field} must not be more than {MaxPast.TotalDays:0} days in the past.");
        return at.ToUniversalTime();
    }
}
