using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Attribution.Gateway.Http;

/// <summary>
/// Finds the first string of a parsed JSON document (value or property name) that is not Unicode
/// text: invalid UTF-8 bytes, or an escape that leaves a lone surrogate (<c>"\ud800"</c>).
/// <see cref="JsonDocument"/> parses such strings and only fails when one is read, so a document
/// that passes here can be read anywhere without an exception.
/// </summary>
public static class JsonUnicode
{
    /// <summary>
    /// The JSON path of the first string that is not valid Unicode (<c>lineItems[1].productName</c>),
    /// or null when every string is. A bad property name is reported at the object holding it
    /// (<c>body</c> at the top level). One pass over the document; only strings with escapes are
    /// decoded.
    /// </summary>
    public static string? FindInvalidText(JsonElement root)
    {
        var path = new List<Segment>();
        return IsValid(root, path) ? null : Render(path);
    }

    /// <summary>One step of a path: a property of an object, or an index into an array.</summary>
    private readonly record struct Segment(JsonProperty? Property, int Index);

    private static bool IsValid(JsonElement element, List<Segment> path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(element);
                return raw.Contains((byte)'\\') ? Decodes(element) : Utf8.IsValid(raw);
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add(new Segment(null, index++));
                    if (!IsValid(item, path)) return false;
                    path.RemoveAt(path.Count - 1);
                }
                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (name.Contains((byte)'\\') ? !Decodes(property) : !Utf8.IsValid(name)) return false;
                    path.Add(new Segment(property, 0));
                    if (!IsValid(property.Value, path)) return false;
                    path.RemoveAt(path.Count - 1);
                }
                return true;
            default:
                return true;
        }
    }

    // Unescaped text is valid exactly when its bytes are UTF-8 (checked above); escaped text (rare)
    // is decoded, which is where System.Text.Json finds lone surrogates.
    private static bool Decodes(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Decodes(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Render(List<Segment> path)
    {
        if (path.Count == 0) return "body";
        var text = new StringBuilder();
        foreach (var segment in path)
        {
            if (segment.Property is { } property)
            {
                if (text.Length > 0) text.Append('.');
                text.Append(property.Name);
            }
            else
            {
                if (text.Length == 0) text.Append("body");
                text.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }
        return text.ToString();
    }
}
