using System.Text.Json;

namespace Attribution.Gateway.Http;

/// <summary>
/// Reads a JSON request body under the contract's rules: application/json or text/plain (for
/// sendBeacon), a size limit (413), and malformed JSON or text that is not Unicode as a 400 that
/// names the body or the field, never a 500.
/// </summary>
public static class JsonBody
{
    public const int SingleEventLimit = 64 * 1024;
    public const int BatchLimit = 1024 * 1024;

    public static async Task<(JsonDocument? Document, IResult? Failure)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.Status(StatusCodes.Status415UnsupportedMediaType,
                "Content-Type must be application/json (or text/plain for sendBeacon)."));

        var (bytes, tooLarge) = await ReadBytesAsync(request, limit, ct);
        return bytes is null ? (null, tooLarge) : Parse(bytes.Value);
    }

    /// <summary>The raw body, at most <paramref name="limit"/> bytes (413 beyond); for callers that must see the exact bytes (signatures).</summary>
    public static async Task<(ReadOnlyMemory<byte>? Bytes, IResult? Failure)> ReadBytesAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
            return (null, TooLarge(limit));

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > limit) return (null, TooLarge(limit));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit)); // Kestrel's own ceiling, hit by a chunked body without Content-Length
        }
        return (buffer.GetBuffer().AsMemory(0, (int)buffer.Length), null);
    }

    /// <summary>
    /// Parses JSON; malformed JSON is a 400 naming the body, and a string that is not Unicode text
    /// (invalid UTF-8, a lone surrogate escape) a 400 naming where it is, so no endpoint ever reads
    /// a string that throws.
    /// </summary>
    public static (JsonDocument? Document, IResult? Failure) Parse(ReadOnlyMemory<byte> bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return (null, Problems.Validation(new Dictionary<string, string[]>
            {
                ["body"] = [$"The body is not valid JSON: {ex.Message}"],
            }));
        }
        if (JsonUnicode.FindInvalidText(document.RootElement) is not { } field) return (document, null);
        document.Dispose();
        return (null, Problems.Validation(new Dictionary<string, string[]>
        {
            [field] = [$"{field} must be valid Unicode text (UTF-8, no lone surrogates)."],
        }));
    }

    private static IResult TooLarge(int limit) =>
        Problems.Status(StatusCodes.Status413PayloadTooLarge, $"The body is over the limit of {limit / 1024} KiB.");
}
