namespace Attribution.EventStore;

/// <summary>
/// Pure: whether PostgreSQL can hold an event as serialized. jsonb refuses the escape <c>\u0000</c>
/// and unpaired surrogate escapes, and text columns refuse NUL; such an event would fail the whole
/// transaction it shares with other callers' events, so it is refused before it joins one.
/// </summary>
public static class Storability
{
    /// <summary>Why <paramref name="json"/> (UTF-8 JSON text as System.Text.Json writes it) cannot be stored as jsonb, or null.</summary>
    public static string? ProblemOfJson(ReadOnlySpan<byte> json)
    {
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] != (byte)'\\') continue;
            if (i + 1 >= json.Length) return "a truncated escape";
            if (json[i + 1] != (byte)'u')
            {
                i++; // a two-character escape such as \\ or \n: its second character is not an escape of its own
                continue;
            }
            if (HexAt(json, i + 2) is not { } unit) return "a malformed \\u escape";
            i += 5;
            if (unit == 0) return "a NUL character (\\u0000)";
            if (char.IsLowSurrogate((char)unit)) return "an unpaired surrogate";
            if (char.IsHighSurrogate((char)unit))
            {
                var next = i + 2 < json.Length && json[i + 1] == (byte)'\\' && json[i + 2] == (byte)'u' ? HexAt(json, i + 3) : null;
                if (next is not { } low || !char.IsLowSurrogate((char)low)) return "an unpaired surrogate";
                i += 6;
            }
        }
        return null;
    }

    /// <summary>Why <paramref name="value"/> cannot be stored in a text column, or null.</summary>
    public static string? ProblemOfText(string value) => value.Contains('\0', StringComparison.Ordinal) ? "a NUL character" : null;

    private static int? HexAt(ReadOnlySpan<byte> json, int start)
    {
        if (start + 4 > json.Length) return null;
        var value = 0;
        foreach (var b in json.Slice(start, 4))
        {
            var digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0) return null;
            value = value * 16 + digit;
        }
        return value;
    }
}

/// <summary>
/// Thrown to one caller whose events the store cannot hold (<see cref="Storability"/>); nothing of
/// that caller's append is written, and no other caller's append is affected.
/// </summary>
public sealed class UnstorableEventException(IReadOnlyDictionary<(string TenantId, Guid Id), string> problems)
    : Exception($"{problems.Count} event(s) cannot be stored: " + string.Join("; ", problems.Select(p => $"{p.Key.TenantId}/{p.Key.Id}: {p.Value}")))
{
    /// <summary>Each unstorable event (its tenant and id) and what is wrong with it.</summary>
    public IReadOnlyDictionary<(string TenantId, Guid Id), string> Problems { get; } = problems;
}
