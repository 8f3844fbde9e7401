using System.Globalization;
using System.Text;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Conversations;

/// <summary>
/// How the conversation list is ordered and paged (pure). A cursor names the last row of the page
/// it ends (its sort value and conversation id), so a page continues after that row even when rows
/// are added in between: nothing is skipped or shown twice, unlike an offset.
/// </summary>
public sealed record ConversationPage(string Sort, int Limit, ConversationPage.Position? After)
{
    public const string ByRevenue = "revenue";
    public const string ByRecent = "recent";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>The row a page continues after: its sort value (revenue, or start in ticks) and id.</summary>
    public sealed record Position(decimal Value, string ConversationId);

    public static (ConversationPage? Page, FieldErrors Errors) Parse(IQueryCollection query)
    {
        var errors = new FieldErrors();
        var sort = query.TryGetValue("sort", out var s) && !string.IsNullOrEmpty(s[0]) ? s[0]! : ByRecent;
        if (sort is not (ByRevenue or ByRecent)) errors.Add("sort", $"sort must be '{ByRevenue}' or '{ByRecent}'; '{JsonFieldReader.Shown(sort, 32)}' is not.");

        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var l) && !string.IsNullOrEmpty(l[0])
            && (!int.TryParse(l[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors.Add("limit", $"limit must be a whole number from 1 to {MaxLimit}.");

        Position? after = null;
        if (query.TryGetValue("cursor", out var c) && !string.IsNullOrEmpty(c[0]))
        {
            after = Decode(c[0]!, sort);
            if (after is null) errors.Add("cursor", "cursor must be a nextCursor of an earlier page with the same sort.");
        }
        return errors.IsEmpty ? (new ConversationPage(sort, limit, after), errors) : (null, errors);
    }

    public static string Encode(string sort, Position p) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sort}|{p.Value.ToString(CultureInfo.InvariantCulture)}|{p.ConversationId}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static Position? Decode(string cursor, string sort)
    {
        if (cursor.Length > 2048) return null;
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split('|', 3);
            return parts.Length == 3 && parts[0] == sort
                   && decimal.TryParse(parts[1], NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && parts[2].Length > 0
                ? new Position(value, parts[2])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Highest revenue first, or most recent first; the conversation id breaks ties.</summary>
    public int Compare(Position a, Position b)
    {
        var byValue = b.Value.CompareTo(a.Value); // descending in both sorts
        return byValue != 0 ? byValue : string.CompareOrdinal(a.ConversationId, b.ConversationId);
    }

    /// <summary>The page's rows and the cursor of the next page (null on the last).</summary>
    public (IReadOnlyList<T> Rows, string? NextCursor) Take<T>(IEnumerable<T> rows, Func<T, Position> position)
    {
        var ordered = rows.Select(r => (Row: r, At: position(r))).ToList();
        ordered.Sort((a, b) => Compare(a.At, b.At));
        var remaining = After is null ? ordered : ordered.Where(r => Compare(r.At, After) > 0).ToList();
        var page = remaining.Take(Limit).ToList();
        return (page.Select(r => r.Row).ToList(), remaining.Count > Limit ? Encode(Sort, page[^1].At) : null);
    }
}
