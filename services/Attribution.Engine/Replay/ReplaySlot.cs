using Npgsql;

namespace Attribution.Engine.Replay;

/// <summary>
/// The engine's side of the company's replay slot (one replay per company at a time, contract §7;
/// app.replays and app.request_replay, migration 0009): a replay runs only while its row is the
/// company's active one, beats while it runs, and releases the slot when it ends.
/// </summary>
public static class ReplaySlot
{
    /// <summary>
    /// How often a running replay says so. Well inside the slot's stale bound (ten minutes, in
    /// app.request_replay), so that a slow database or a long pause never lets a new request take
    /// the slot of a replay that is still running.
    /// </summary>
    public static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(30);

    /// <summary>Takes the company's slot for a new running replay; answers the id of the replay holding it (<paramref name="replayId"/> when taken).</summary>
    public static async Task<Guid> RequestAsync(NpgsqlDataSource db, Guid replayId, string companyKey, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT replay_id FROM app.request_replay($1, $2, 'running', now())");
        cmd.Parameters.AddWithValue(replayId);
        cmd.Parameters.AddWithValue(companyKey);
        try
        {
            return (Guid)(await cmd.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new InvalidOperationException($"There is no company {companyKey}.", e);
        }
    }

    /// <summary>
    /// Marks a requested replay running (again, when redelivered after an engine stopped mid-run).
    /// False when it no longer holds the slot: released as abandoned, released because the broker
    /// did not confirm it, or already finished. Such a replay must not run beside the company's active one.
    /// </summary>
    public static async Task<bool> TakeAsync(NpgsqlDataSource db, Guid replayId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE app.replays SET status = 'running', heartbeat_at = now() WHERE replay_id = $1 AND status IN ('requested', 'running')");
        cmd.Parameters.AddWithValue(replayId);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Records the end of a replay ('completed' or 'failed'), which releases the company's slot.</summary>
    public static async Task FinishAsync(NpgsqlDataSource db, Guid replayId, string status, int? revisions, string? error, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE app.replays SET status = $2, revisions = $3, error = $4, finished_at = now() WHERE replay_id = $1");
        cmd.Parameters.AddWithValue(replayId);
        cmd.Parameters.AddWithValue(status);
        cmd.Parameters.AddWithValue((object?)revisions ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Beats every <see cref="HeartbeatEvery"/> until disposed.</summary>
    public static IAsyncDisposable Beat(NpgsqlDataSource db, Guid replayId, ILogger logger) => new Heartbeat(db, replayId, logger);

    private sealed class Heartbeat : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _beating;

        public Heartbeat(NpgsqlDataSource db, Guid replayId, ILogger logger) => _beating = BeatAsync(db, replayId, logger, _stop.Token);

        private static async Task BeatAsync(NpgsqlDataSource db, Guid replayId, ILogger logger, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(HeartbeatEvery);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    try
                    {
                        await using var cmd = db.CreateCommand("UPDATE app.replays SET heartbeat_at = now() WHERE replay_id = $1 AND status = 'running'");
                        cmd.Parameters.AddWithValue(replayId);
                        await cmd.ExecuteNonQueryAsync(stop);
                    }
                    // A missed beat is not the replay's failure: the next one comes in HeartbeatEvery.
                    catch (Exception ex) when (!stop.IsCancellationRequested)
                    {
                        logger.LogWarning(ex, "Replay {ReplayId}: could not record its heartbeat; trying again", replayId);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _beating;
            _stop.Dispose();
        }
    }
}
