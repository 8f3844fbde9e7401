using System.Text.Json;
using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>Reads projected documents (Marten: <c>IQuerySession.LoadAsync&lt;T&gt;</c>).</summary>
public sealed class DocumentReader(NpgsqlDataSource dataSource)
{
    public async Task<TDoc?> LoadAsync<TDoc>(string documentType, string id, CancellationToken ct = default) where TDoc : class
    {
        await using var cmd = dataSource.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 AND id = $2");
        cmd.Parameters.AddWithValue(documentType);
        cmd.Parameters.AddWithValue(id);
        var json = (string?)await cmd.ExecuteScalarAsync(ct);
        return json is null ? null : JsonSerializer.Deserialize<TDoc>(json, EventTypeRegistry.SerializerOptions);
    }

    public async Task<IReadOnlyList<TDoc>> LoadAllAsync<TDoc>(string documentType, CancellationToken ct = default) where TDoc : class
    {
        await using var cmd = dataSource.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 ORDER BY id");
        cmd.Parameters.AddWithValue(documentType);
        var docs = new List<TDoc>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            docs.Add(JsonSerializer.Deserialize<TDoc>(reader.GetString(0), EventTypeRegistry.SerializerOptions)!);
        return docs;
    }
}
