using System.Diagnostics;
using Attribution.Contracts.Attribution;
using Attribution.Engine.Attribution.Deciding;
using Attribution.Engine.RevenueProjector.DataQuality;
using Attribution.Engine.RevenueProjector.Revenue;
using Attribution.EventStore.Projections;
using MassTransit;
using Npgsql;

namespace Attribution.Engine.Attribution.Replaying;

/// <summary>
/// The replay itself, shared by the consumer and the command-line verb: every visitor of the company
/// is re-decided under the current settings, then the company's read models are rebuilt from the
/// event store (so a new time zone or a changed projection shows too). The rebuild holds each
/// projection's checkpoint while it runs; the live daemon then goes on from where it was.
/// </summary>
public sealed class CompanyReplay(
    AttributionReactor reactor, NpgsqlDataSource db, ProjectionRunner runner, RevenueProjection revenue, DataQualityProjection dataQuality,
    ILogger<CompanyReplay> logger)
{
    public async Task<int> RunAsync(string companyKey, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        int revisions;
        await using (var connection = await db.OpenConnectionAsync(ct))
            revisions = await reactor.ReplayCompanyAsync(connection, companyKey, ct);
        var decided = Stopwatch.GetElapsedTime(started);
        // Side by side, on a connection each: each rebuild keeps one PostgreSQL backend busy, and the
        // daemon already runs these two projections concurrently.
        var rebuilt = await Task.WhenAll(Rebuild(revenue), Rebuild(dataQuality));
        logger.LogInformation(
            "Replay of {Company}: re-decided in {Decided:0.0} s ({Revisions} revisions); read models rebuilt in {Revenue:0.0} s (revenue) and {DataQuality:0.0} s (data quality), side by side",
            companyKey, decided.TotalSeconds, revisions, rebuilt[0].TotalSeconds, rebuilt[1].TotalSeconds);
        return revisions;

        async Task<TimeSpan> Rebuild(ITenantProjection projection)
        {
            var start = Stopwatch.GetTimestamp();
            await runner.RebuildTenantAsync(projection, companyKey, ct);
            return Stopwatch.GetElapsedTime(start);
        }
    }
}

/// <summary>
/// Carries out a replay: every visitor of the company is re-decided under the current settings,
/// and a revision is appended only where a decision changed (the publisher then sends
/// AttributionRevised for outcome changes). Live ingestion and deciding go on meanwhile: both
/// append with expected versions, so a clash is retried, never doubled.
/// </summary>
public sealed class ReplayCompanyConsumer(CompanyReplay replay, NpgsqlDataSource db, ILogger<ReplayCompanyConsumer> logger)
    : IConsumer<ReplayCompany>
{
    public async Task Consume(ConsumeContext<ReplayCompany> context)
    {
        var m = context.Message;
        await Mark(m.ReplayId, "running", null, null, context.CancellationToken);
        try
        {
            var revisions = await replay.RunAsync(m.CompanyKey, context.CancellationToken);
            await Mark(m.ReplayId, "completed", revisions, null, context.CancellationToken);
            logger.LogInformation("Replay {ReplayId} of {Company}: {Revisions} decisions changed", m.ReplayId, m.CompanyKey, revisions);
        }
        catch (Exception ex) when (context.GetRetryAttempt() >= ReplayCompanyConsumerDefinition.Retries)
        {
            await Mark(m.ReplayId, "failed", null, ex.Message, CancellationToken.None);
            throw;
        }
    }

    private async Task Mark(Guid replayId, string status, int? revisions, string? error, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE app.replays SET status = $2, revisions = $3, error = $4,
                finished_at = CASE WHEN $2 IN ('completed', 'failed') THEN now() END
            WHERE replay_id = $1
            """);
        cmd.Parameters.AddWithValue(replayId);
        cmd.Parameters.AddWithValue(status);
        cmd.Parameters.AddWithValue((object?)revisions ?? DBNull.Value);
        cmd.Parameters.AddWithValue((object?)error ?? DBNull.Value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

public sealed class ReplayCompanyConsumerDefinition : ConsumerDefinition<ReplayCompanyConsumer>
{
    public const int Retries = 5;
    public const string QueueName = "attribution-replay";

    public ReplayCompanyConsumerDefinition()
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = 1; // one replay at a time per engine instance
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplayCompanyConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(r => r.Exponential(Retries, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500)));
}
