using System.Text.Json;
using System.Text.Json.Serialization;

namespace Attribution.EventStore;

/// <summary>
/// Maps CLR event types to stable, versioned stored names ("cart_event_recorded.v1"), so renaming
/// a class never breaks a replay (Eventuous' <c>[EventType]</c>, Marten's event type aliases).
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<Type, string> _names = [];
    private readonly Dictionary<string, Type> _types = new(StringComparer.Ordinal);

    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public EventTypeRegistry Register<T>(string storedName)
    {
        if (_types.TryGetValue(storedName, out var existing) && existing != typeof(T))
            throw new InvalidOperationException($"Stored event name '{storedName}' is already used by {existing.Name}.");
        _names[typeof(T)] = storedName;
        _types[storedName] = typeof(T);
        return this;
    }

    public string NameOf(Type type) =>
        _names.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"Event type {type.FullName} has no stored name; register it first.");

    public static string Serialize(object data) => JsonSerializer.Serialize(data, data.GetType(), SerializerOptions);

    public object Deserialize(string typeName, string json) =>
        _types.TryGetValue(typeName, out var type)
            ? JsonSerializer.Deserialize(json, type, SerializerOptions)!
            : new UnknownEventData(JsonDocument.Parse(json).RootElement.Clone());
}
