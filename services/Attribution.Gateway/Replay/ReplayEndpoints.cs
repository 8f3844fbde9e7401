using Attribution.Contracts.Attribution;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.ServiceDefaults.Companies;
using Npgsql;

namespace Attribution.Gateway.Replay;

/// <summary>POST /v1/replay (contract §7) and GET /v1/replay/{replayId} to follow it.</summary>
public static class ReplayEndpoints
{
    public sealed record ReplayStatus(Guid ReplayId, string Status, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt, int? Revisions, string? Error);

    /// <summary>The company's active replay: the one just requested (<paramref name="Created"/>) or the one already holding the slot.</summary>
    private sealed record ReplaySlot(Guid ReplayId, string Status, DateTimeOffset RequestedAt, bool Created);

    public static IEndpointRouteBuilder MapReplayEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/replay", async (HttpContext http, CompanyDirectory companies, NpgsqlDataSource db, EventPublisher publisher, TimeProvider time) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                var requested = new ReplayCompany(Guid.CreateVersion7(), caller.Company.CompanyKey, time.GetUtcNow());
                var slot = await RequestSlotAsync(db, requested, http.RequestAborted);
                if (slot.Created)
                {
                    // The row holds the company's slot from here on: publish it even when the caller has
                    // gone, and release the slot when the broker could not take it, or no replay could
                    // start until the slot's stale bound (migration 0009).
                    if (!await publisher.TryPublishAsync(requested, requested.ReplayId, "replay", caller.Company.CompanyKey, CancellationToken.None))
                    {
                        await ReleaseUnpublishedAsync(db, requested.ReplayId);
                        return EventPublisher.BrokerUnavailable(http);
                    }
                }
                return TypedResults.Accepted($"/v1/replay/{slot.ReplayId}", new ReplayStatus(slot.ReplayId, slot.Status, slot.RequestedAt, null, null, null));
            })
            .WithName("Replay")
            .WithSummary("Recompute every attribution of the company under its current settings (asynchronous).")
            .Produces<ReplayStatus>(StatusCodes.Status202Accepted);

        app.MapGet("/v1/replay/{replayId:guid}", async (Guid replayId, HttpContext http, CompanyDirectory companies, NpgsqlDataSource db) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                await using var cmd = db.CreateCommand(
                    "SELECT status, requested_at, finished_at, revisions, error FROM app.replays WHERE replay_id = $1 AND company_key = $2");
                cmd.Parameters.AddWithValue(replayId);
                cmd.Parameters.AddWithValue(caller.Company.CompanyKey);
                await using var reader = await cmd.ExecuteReaderAsync(http.RequestAborted);
                if (!await reader.ReadAsync(http.RequestAborted)) return Problems.Status(StatusCodes.Status404NotFound, $"No replay {replayId}.");
                return TypedResults.Ok(new ReplayStatus(replayId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            })
            .WithName("ReplayStatus")
            .WithSummary("Where a replay has got to.")
            .Produces<ReplayStatus>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// One replay per company at a time (contract §7), held by the database (app.request_replay,
    /// migration 0009), so that concurrent requests to any number of gateways start one replay.
    /// </summary>
    private static async Task<ReplaySlot> RequestSlotAsync(NpgsqlDataSource db, ReplayCompany requested, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT replay_id, status, requested_at, created FROM app.request_replay($1, $2, 'requested', $3)");
        cmd.Parameters.AddWithValue(requested.ReplayId);
        cmd.Parameters.AddWithValue(requested.CompanyKey);
        cmd.Parameters.AddWithValue(requested.RequestedAt);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new ReplaySlot(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetBoolean(3));
    }

    private static async Task ReleaseUnpublishedAsync(NpgsqlDataSource db, Guid replayId)
    {
        // Should the broker have kept the message after all, an engine that receives it later finds the
        // row no longer active and skips it; one that already took it (now 'running') goes on.
        await using var cmd = db.CreateCommand("""
            UPDATE app.replays SET status = 'failed', finished_at = now(), error = 'The broker could not take the replay; request it again.'
            WHERE replay_id = $1 AND status = 'requested'
            """);
        cmd.Parameters.AddWithValue(replayId);
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
