using Npgsql;

namespace Attribution.EventStore.Projections;

/// <summary>Reads the documents <see cref="DocumentProjection{TDoc}"/> writes (one table, <c>event_store.documents</c>, for every document type).</summary>
public sealed class DocumentReader(NpgsqlDataSource dataSource)
{
    public async Task<TDoc?> LoadAsync<TDoc>(string documentType, string id, CancellationToken ct = default) where TDoc : class
    {
        await using var cmd = dataSource.CreateCommand("SELECT data FROM event_store.documents WHERE type = $1 AND id = $2");
        cmd.Parameters.AddWithValue(documentType);
        cmd.Parameters.AddWithValue(id);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? StoredJson.Read<TDoc>(reader, 0) : null;
    }

    public async Task<IReadOnlyList<TDoc>> LoadAllAsync<TDoc>(string documentType, CancellationToken ct = default) where TDoc : class
    {
        await using var cmd = dataSource.CreateCommand("SELECT data FROM event_store.documents WHERE type = $1 ORDER BY id");
        cmd.Parameters.AddWithValue(documentType);
        var docs = new List<TDoc>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            docs.Add(StoredJson.Read<TDoc>(reader, 0));
        return docs;
    }
}
