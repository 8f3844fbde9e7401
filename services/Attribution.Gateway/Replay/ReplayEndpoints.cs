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

    public static IEndpointRouteBuilder MapReplayEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/replay", async (HttpContext http, CompanyDirectory companies, NpgsqlDataSource db, EventPublisher publisher, TimeProvider time) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                var replay = new ReplayCompany(Guid.CreateVersion7(), caller.Company.CompanyKey, time.GetUtcNow());
                await using (var cmd = db.CreateCommand("INSERT INTO app.replays (replay_id, company_key, status, requested_at) VALUES ($1, $2, 'requested', $3)"))
                {
                    cmd.Parameters.AddWithValue(replay.ReplayId);
                    cmd.Parameters.AddWithValue(replay.CompanyKey);
                    cmd.Parameters.AddWithValue(replay.RequestedAt);
                    await cmd.ExecuteNonQueryAsync(http.RequestAborted);
                }
                if (!await publisher.TryPublishAsync(replay, replay.ReplayId, "replay", http.RequestAborted))
                    return EventPublisher.BrokerUnavailable(http);
                return TypedResults.Accepted($"/v1/replay/{replay.ReplayId}", new ReplayStatus(replay.ReplayId, "requested", replay.RequestedAt, null, null, null));
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
}
