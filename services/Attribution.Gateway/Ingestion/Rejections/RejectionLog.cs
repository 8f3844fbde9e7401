using System.Diagnostics.Metrics;
using System.Text.Json;
using Attribution.Gateway.Ingestion.Validation;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.Gateway.Ingestion.Rejections;

/// <summary>
/// Keeps every rejected event's reasons for the data-quality report (contract §6). Only field
/// names, reason codes and our own messages are kept: never the body, so no personal data.
/// </summary>
public sealed class RejectionLog(NpgsqlDataSource db, ILogger<RejectionLog> logger)
{
    private static readonly Meter Meter = new("Attribution.Gateway");
    private static readonly Counter<long> Rejected = Meter.CreateCounter<long>("gateway.events.rejected", "{event}",
        "Events rejected with a 400, by reason (an event with several counts under each, as in the data-quality report), kind and company key");

    public sealed record Rejection(string Kind, FieldErrors Errors);

    public async Task RecordAsync(string companyKey, IReadOnlyList<Rejection> rejections, DateTimeOffset at, CancellationToken ct)
    {
        if (rejections.Count == 0) return;
        foreach (var rejection in rejections)
            foreach (var reason in rejection.Errors.Reasons)
                Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("kind", rejection.Kind),
                    new KeyValuePair<string, object?>("company", companyKey));
        try
        {
            await using var cmd = db.CreateCommand("""
                INSERT INTO app.rejected_events (company_key, kind, reasons, errors, received_at)
                SELECT $1, kind, string_to_array(reasons, ','), errors, $5
                FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS r(kind, reasons, errors)
                """);
            cmd.Parameters.AddWithValue(companyKey);
            cmd.Parameters.AddWithValue(rejections.Select(r => r.Kind).ToArray());
            cmd.Parameters.AddWithValue(rejections.Select(r => string.Join(',', r.Errors.Reasons)).ToArray());
            cmd.Parameters.Add(new NpgsqlParameter
            {
                Value = rejections.Select(r => JsonSerializer.Serialize(r.Errors.ToDictionary())).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            });
            cmd.Parameters.AddWithValue(at);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The client already gets its 400; losing a data-quality sample must not turn it into a 500.
            logger.LogWarning(ex, "Could not record {Count} rejected events for {Company}", rejections.Count, companyKey);
        }
    }
}
