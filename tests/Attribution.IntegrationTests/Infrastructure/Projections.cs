namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// Waits until every asynchronous projection has applied every stored event (Marten's
/// WaitForNonStaleProjectionDataAsync). Decisions append new events, so the wait holds only when
/// all checkpoints reach the end of the store at the same moment: nothing is left in flight.
/// </summary>
public static class Projections
{
    public static Task WaitForNonStaleAsync(string what = "every projection to catch up") =>
        Poll.UntilAsync(async () =>
        {
            await using var cmd = TestServices.Database.CreateCommand("""
                SELECT (SELECT coalesce(max(seq_id), 0) FROM event_store.events)
                     - coalesce((SELECT min(last_seq_id) FROM event_store.projection_checkpoints WHERE name = ANY($1)
                                 HAVING count(*) = cardinality($1)), 0)
                """);
            cmd.Parameters.AddWithValue(Attribution.ServiceDefaults.ReadModels.ProjectionNames.Asynchronous);
            return (long)(await cmd.ExecuteScalarAsync())!;
        }, behind => behind == 0, TimeSpan.FromSeconds(30), what);
}
