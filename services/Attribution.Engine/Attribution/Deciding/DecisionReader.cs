using System.Text.Json;
using Attribution.EventStore;
using Npgsql;
using static Attribution.Engine.Attribution.DecisionEvents;

namespace Attribution.Engine.Attribution.Deciding;

/// <summary>The latest decision per source event, from the inline <see cref="LatestDecisionProjection"/>.</summary>
public sealed class DecisionReader(NpgsqlDataSource db)
{
    public async Task<Dictionary<Guid, V1.AttributionDecided>> LatestAsync(string companyKey, IReadOnlyCollection<Guid> sourceEventIds, CancellationToken ct)
    {
        var result = new Dictionary<Guid, V1.AttributionDecided>();
        if (sourceEventIds.Count == 0) return result;
        await using var cmd = db.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 AND id = ANY($2)");
        cmd.Parameters.AddWithValue(LatestDecisionProjection.DocumentTypeName);
        cmd.Parameters.AddWithValue(sourceEventIds.Select(id => LatestDecisionProjection.DocumentId(companyKey, id)).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var decision = JsonSerializer.Deserialize<V1.AttributionDecided>(reader.GetString(0), EventTypeRegistry.SerializerOptions)!;
            result[decision.SourceEventId] = decision;
        }
        return result;
    }
}
