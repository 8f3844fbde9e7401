using System.Text.Json;
using Npgsql;

namespace Attribution.EventStore;

/// <summary>
/// jsonb in and out as UTF-8: read as its UTF-8 text (Npgsql drops jsonb's version byte), written
/// from UTF-8 bytes. Through <c>::text</c> and strings instead, every event and document read or
/// written would become a UTF-16 string twice its size, which System.Text.Json or Npgsql transcodes
/// again; bytes keep the engine's allocations down (figures in docs/decisions/jsonb-as-utf8.md).
/// </summary>
public static class StoredJson
{
    public static byte[] Utf8(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);

    public static T Read<T>(NpgsqlDataReader reader, int ordinal) =>
        JsonSerializer.Deserialize<T>(Utf8(reader, ordinal), EventTypeRegistry.SerializerOptions)!;

    /// <summary>The value as UTF-8 JSON, for a jsonb parameter or COPY column (typed <c>object</c>, an event serializes as its runtime type).</summary>
    public static byte[] Utf8Of<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, EventTypeRegistry.SerializerOptions);
}
