using System.Text.Json;
using System.Text.Json.Serialization;
using Marten;

namespace Attribution.EventStore;

/// <summary>
/// Maps CLR event types to stable, versioned stored names ("cart_event_recorded.v1"), so renaming
/// a class never breaks a replay (Eventuous' <c>[EventType]</c>). An event whose shape changed gets
/// a new name; the old name stays readable through an upcaster that turns its stored form into the
/// current type, so stored history is never rewritten and new events are only ever written under
/// the new name. Each registration is handed to Marten (<c>MapEventType</c>, <c>Upcast&lt;TOld, TNew&gt;</c>),
/// which writes and reads events by it; the same readers serve the engine's batch reads in SQL.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<Type, string> _names = [];
    private readonly Dictionary<string, (Type ReadsAs, Reader Read)> _readers = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, List<string>> _storedNames = [];
    private readonly List<Action<StoreOptions>> _marten = [];

    /// <summary>Stored UTF-8 JSON → the event (a delegate, since a span cannot be a <c>Func</c> argument).</summary>
    private delegate object Reader(ReadOnlySpan<byte> utf8Json);

    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public EventTypeRegistry Register<T>(string storedName) where T : class
    {
        if (AddReader(storedName, typeof(T), json => JsonSerializer.Deserialize<T>(json, SerializerOptions)!))
            _marten.Add(opts => opts.Events.MapEventType<T>(storedName));
        _names[typeof(T)] = storedName;
        return this;
    }

    /// <summary>
    /// Reads events stored as <paramref name="oldStoredName"/> (in <typeparamref name="TOld"/>'s shape) as
    /// <typeparamref name="TNew"/>. <typeparamref name="TOld"/> gets no name to write under.
    /// </summary>
    public EventTypeRegistry Upcast<TOld, TNew>(string oldStoredName, Func<TOld, TNew> upcast) where TOld : class where TNew : class
    {
        if (AddReader(oldStoredName, typeof(TNew), json => upcast(JsonSerializer.Deserialize<TOld>(json, SerializerOptions)!)))
            _marten.Add(opts => opts.Events.Upcast(oldStoredName, upcast));
        return this;
    }

    /// <summary>Maps every registered name and upcast in Marten's options.</summary>
    internal void ApplyTo(StoreOptions opts)
    {
        foreach (var configure in _marten) configure(opts);
    }

    /// <summary>The name new events of <paramref name="type"/> are written under.</summary>
    public string NameOf(Type type) =>
        _names.TryGetValue(type, out var name)
            ? name
            : throw new InvalidOperationException($"Event type {type.FullName} has no stored name; register it first.");

    /// <summary>Every stored name that reads as <paramref name="type"/>: its own and those upcast to it (for type-filtered reads).</summary>
    public IReadOnlyList<string> StoredNamesOf(Type type) =>
        _storedNames.TryGetValue(type, out var names)
            ? names
            : throw new InvalidOperationException($"Event type {type.FullName} has no stored name; register it first.");

    /// <summary>A stored event's data, from its UTF-8 JSON (<see cref="StoredJson"/>), as the type its stored name reads as.</summary>
    public object Deserialize(string typeName, ReadOnlySpan<byte> utf8Json) =>
        _readers.TryGetValue(typeName, out var reader)
            ? reader.Read(utf8Json)
            : new UnknownEventData(JsonSerializer.Deserialize<JsonElement>(utf8Json));

    // Registering the same name for the same type again is harmless (several hosts share a registry in tests).
    private bool AddReader(string storedName, Type readsAs, Reader read)
    {
        if (_readers.TryGetValue(storedName, out var existing))
        {
            if (existing.ReadsAs != readsAs)
                throw new InvalidOperationException($"Stored event name '{storedName}' is already used by {existing.ReadsAs.Name}.");
            return false;
        }
        _readers[storedName] = (readsAs, read);
        if (!_storedNames.TryGetValue(readsAs, out var names)) _storedNames[readsAs] = names = [];
        names.Add(storedName);
        return true;
    }
}
