using Npgsql;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// Waits until Marten's daemon has taken every asynchronous projection (each subscription) past every stored event
/// (Marten's WaitForNonStaleProjectionDataAsync, for the engine's projections). Decisions append new
/// events, so the wait holds only when all progressions reach the end of the store at the same
/// moment: nothing is left in flight.
/// </summary>
public static class Projections
{
    public static Task WaitForNonStaleAsync(string what = "every projection to catch up", NpgsqlDataSource? database = null) =>
        Poll.UntilAsync(async () =>
        {
            await using var cmd = (database ?? TestServices.Database).CreateCommand("""
                SELECT (SELECT coalesce(max(seq_id), 0) FROM event_store.mt_events)
                     - coalesce((SELECT min(last_seq_id) FROM event_store.mt_event_progression WHERE name = ANY($1)
                                 HAVING count(*) = cardinality($1)), 0)
                """);
            cmd.Parameters.AddWithValue(Attribution.EventStore.Projections.ProjectionRunner.ProgressionNamesOf(
                Attribution.EventStore.Projections.ProjectionNames.Asynchronous));
            return (long)(await cmd.ExecuteScalarAsync())!;
        }, behind => behind == 0, TimeSpan.FromSeconds(30), what);
}
