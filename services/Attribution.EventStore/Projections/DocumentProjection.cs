using Npgsql;
using NpgsqlTypes;

namespace Attribution.EventStore.Projections;

/// <summary>
/// A projection that folds events into JSON documents keyed by id. Subclasses declare the fold:
/// which document an event touches, how a document starts, and how an event changes it. All three
/// are pure; this base class does the IO, loading and writing a batch's documents with one
/// statement each, where Marten's aggregations write one statement per document.
/// </summary>
public abstract class DocumentProjection<TDoc> : IProjection where TDoc : class
{
    public abstract string Name { get; }

    /// <inheritdoc cref="IProjection.EventTypes"/>
    public virtual IReadOnlyCollection<Type>? EventTypes => null;

    /// <summary>Documents are stored under this type name; the projection's name by default.</summary>
    public virtual string DocumentType => Name;

    /// <summary>The id of the document an event changes, or null when the event does not concern this projection.</summary>
    public abstract string? IdentityOf(StoredEvent e);

    public abstract TDoc Create(string id, StoredEvent first);

    public abstract TDoc Apply(TDoc document, StoredEvent e);

    /// <summary>
    /// For a projection whose document is one of its events, picked by a field the database can compare
    /// (the latest revision): the SQL condition, over the stored row (<c>d</c>) and the batch's candidate
    /// (<c>excluded</c>), under which the stored document stays. A batch is then written with one upsert,
    /// without loading, locking and deserializing the stored documents first (a replay's appends spent a
    /// third of their time there). Null: documents are loaded, folded and written.
    /// </summary>
    protected virtual string? StoredWinsWhen => null;

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
    {
        var relevant = batch.Events
            .Select(e => (Id: IdentityOf(e), Event: e))
            .Where(x => x.Id is not null)
            .GroupBy(x => x.Id!, StringComparer.Ordinal)
            .ToList();
        if (relevant.Count == 0) return;

        var documents = StoredWinsWhen is null
            ? await Load(batch.Connection, batch.Transaction, relevant.Select(g => g.Key).ToArray(), ct)
            : [];
        var changed = new List<(string Id, TDoc Doc, long Seq)>(relevant.Count);
        foreach (var group in relevant)
        {
            var doc = documents.GetValueOrDefault(group.Key);
            foreach (var (_, e) in group)
                doc = Apply(doc ?? Create(group.Key, e), e);
            changed.Add((group.Key, doc!, group.Max(x => x.Event.Sequence)));
        }

        // A stored document that wins keeps its sequence too: readers take last_seq_id as the sequence of the event the document is.
        var (data, sequence) = StoredWinsWhen is { } storedWins
            ? ($"CASE WHEN {storedWins} THEN d.data ELSE excluded.data END", $"CASE WHEN {storedWins} THEN d.last_seq_id ELSE excluded.last_seq_id END")
            : ("excluded.data", "excluded.last_seq_id");
        await using var cmd = new NpgsqlCommand($"""
            INSERT INTO event_store.documents AS d (type, id, data, last_seq_id)
            SELECT $1, * FROM unnest($2::text[], $3::jsonb[], $4::bigint[])
            ON CONFLICT (type, id) DO UPDATE SET data = {data}, last_seq_id = {sequence}, updated_at = now()
            """, batch.Connection, batch.Transaction);
        cmd.Parameters.AddWithValue(DocumentType);
        cmd.Parameters.AddWithValue(changed.Select(c => c.Id).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter
        {
            Value = changed.Select(c => StoredJson.Utf8Of(c.Doc)).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
        });
        cmd.Parameters.AddWithValue(changed.Select(c => c.Seq).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("DELETE FROM event_store.documents WHERE type = $1", connection, transaction);
        cmd.Parameters.AddWithValue(DocumentType);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<Dictionary<string, TDoc>> Load(NpgsqlConnection connection, NpgsqlTransaction tx, string[] ids, CancellationToken ct)
    {
        var docs = new Dictionary<string, TDoc>(StringComparer.Ordinal);
        // One primary-key probe per id, whatever the statistics say (a lateral subquery cannot be hashed).
        // With statistics from when the table was small, "id = ANY($2)" compared every document of the
        // type with the whole array, and a plain join hashed them all: 40-130 ms per thousands of ids in a replay.
        await using var cmd = new NpgsqlCommand("""
            SELECT d.id, d.data FROM unnest($2::text[]) AS k(id)
            CROSS JOIN LATERAL (SELECT id, data FROM event_store.documents WHERE type = $1 AND id = k.id FOR UPDATE) d
            """, connection, tx);
        cmd.Parameters.AddWithValue(DocumentType);
        cmd.Parameters.AddWithValue(ids);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            docs[reader.GetString(0)] = StoredJson.Read<TDoc>(reader, 1);
        return docs;
    }
}
