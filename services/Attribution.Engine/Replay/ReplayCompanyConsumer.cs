using System.Diagnostics;
using Attribution.Domain.Companies;
using Attribution.ServiceDefaults.Companies;
using Attribution.Contracts.Attribution;
using Attribution.Engine.Deciding;
using Attribution.EventStore.Databases;
using Attribution.EventStore.Projections;
using MassTransit;
using Npgsql;
using Attribution.ReadModels.DataQuality;
using Attribution.ReadModels.Revenue;

namespace Attribution.Engine.Replay;

/// <summary>
/// The replay itself, shared by the consumer and the command-line verb: every visitor of the company
/// is re-decided under the current settings (revisions only where a decision changes, one rule
/// confirmation for the rest), then the read models take that in. When the company's time zone or
/// quantity mode is not what they were last rebuilt under, they are rebuilt from the event store (day
/// buckets move, carts go below zero differently); otherwise the revisions and the confirmation reach
/// them as live events do: the replay takes the revenue projection past them while it re-decides, and
/// past the rest before it reports.
/// A rebuild holds each projection's checkpoint while it runs; the live daemon then goes on from where it was.
/// </summary>
public sealed class CompanyReplay(
    AttributionReactor reactor, NpgsqlDataSource db, CompanyDatabases databases, RevenueProjection revenue, DataQualityProjection dataQuality,
    CompanyDirectory companies, ILogger<CompanyReplay> logger)
{
    /// <summary>How often the command line asks again for the slot another replay of the company holds.</summary>
    private static readonly TimeSpan WaitForSlotEvery = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The command-line verb: takes the company's replay slot as POST /v1/replay does, so it never
    /// runs beside another replay of the company, and shows in GET /v1/replay/{replayId} meanwhile.
    /// While another replay holds the slot it waits its turn, then replays under the settings as
    /// they are by then (an abandoned holder is released after the slot's stale bound).
    /// </summary>
    public async Task<int> RunAsync(string companyKey, CancellationToken ct)
    {
        var replayId = Guid.CreateVersion7();
        Guid? waitingFor = null;
        while (await ReplaySlot.RequestAsync(db, replayId, companyKey, ct) is var holder && holder != replayId)
        {
            if (holder != waitingFor)
                logger.LogInformation("Replay {Holder} of {Company} is under way: waiting for it to end before replaying", holder, companyKey);
            waitingFor = holder;
            await Task.Delay(WaitForSlotEvery, ct);
        }

        try
        {
            int revisions;
            await using (ReplaySlot.Beat(db, replayId, logger))
                revisions = await ReplayAsync(companyKey, ct);
            await ReplaySlot.FinishAsync(db, replayId, "completed", revisions, null, CancellationToken.None);
            return revisions;
        }
        catch (Exception ex)
        {
            await ReplaySlot.FinishAsync(db, replayId, "failed", null, ex.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>The replay, in the company's slot that the caller holds.</summary>
    public async Task<int> ReplayAsync(string companyKey, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var database = await databases.ForCompanyAsync(companyKey, ct);

        // Read models built under the company's settings take the revisions in while the re-decide
        // appends them, on the cores the re-decide leaves idle; read models a rebuild replaces do not.
        var follows = await BuiltUnderAsync(database, companyKey, ct) == ReadModelSettings(await CompanyAsync(companyKey, ct));
        int revisions;
        using (var reDecided = new CancellationTokenSource())
        {
            var following = follows ? database.Projections.FollowAsync(revenue, reDecided.Token, ct) : Task.CompletedTask;
            try
            {
                revisions = await reactor.ReplayCompanyAsync(database, companyKey, ct);
            }
            finally
            {
                await reDecided.CancelAsync();
                await Task.WhenAny(following); // stopped either way; a failed re-decide is the failure to report
            }
            await following; // the follower's own failure, once the re-decide succeeded
        }
        var decided = Stopwatch.GetElapsedTime(started);

        var settings = ReadModelSettings(await CompanyAsync(companyKey, ct));
        var rebuilt = "not rebuilt (their settings unchanged)";
        if (await BuiltUnderAsync(database, companyKey, ct) != settings)
        {
            // Side by side, on a connection each: each rebuild keeps one PostgreSQL backend busy, and the
            // daemon already runs these two projections concurrently.
            var times = await Task.WhenAll(Rebuild(revenue), Rebuild(dataQuality));
            await RecordBuiltUnderAsync(database, companyKey, settings, ct);
            rebuilt = $"rebuilt under {settings} in {times[0].TotalSeconds:0.0} s (revenue) and {times[1].TotalSeconds:0.0} s (data quality), side by side";
        }
        var caughtUp = Stopwatch.GetTimestamp();
        await database.Projections.CatchUpAsync(revenue, ct);
        logger.LogInformation(
            "Replay of {Company}: re-decided in {Decided:0.0} s ({Revisions} revisions); read models {Rebuilt}; revenue caught up in {CaughtUp:0.0} s",
            companyKey, decided.TotalSeconds, revisions, rebuilt, Stopwatch.GetElapsedTime(caughtUp).TotalSeconds);
        return revisions;

        async Task<TimeSpan> Rebuild(ITenantProjection projection)
        {
            var start = Stopwatch.GetTimestamp();
            await database.Projections.RebuildTenantAsync(projection, companyKey, ct);
            return Stopwatch.GetElapsedTime(start);
        }
    }

    private async Task<Company> CompanyAsync(string companyKey, CancellationToken ct) =>
        await companies.FindByKeyAsync(companyKey, ct, bypassCache: true)
            ?? throw new InvalidOperationException($"There is no company {companyKey}.");

    /// <summary>The company settings the read models fold by (besides the decisions themselves).</summary>
    private static string ReadModelSettings(Company company) => $"timeZone={CompanyCalendar.ZoneOf(company).Id};quantityMode={company.QuantityMode}";

    private static async Task<string?> BuiltUnderAsync(CompanyDatabase database, string companyKey, CancellationToken ct)
    {
        await using var cmd = database.DataSource.CreateCommand("SELECT settings FROM app.read_models_built WHERE company_key = $1");
        cmd.Parameters.AddWithValue(companyKey);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    private static async Task RecordBuiltUnderAsync(CompanyDatabase database, string companyKey, string settings, CancellationToken ct)
    {
        await using var cmd = database.DataSource.CreateCommand("""
            INSERT INTO app.read_models_built (company_key, settings, built_at) VALUES ($1, $2, now())
            ON CONFLICT (company_key) DO UPDATE SET settings = excluded.settings, built_at = excluded.built_at
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(settings);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// Carries out a replay: every visitor of the company is re-decided under the current settings,
/// and a revision is appended only where a decision changed (the publisher then sends
/// AttributionRevised for outcome changes). Live ingestion and deciding go on meanwhile: both
/// append with expected versions, so a clash is retried, never doubled. It runs only while its row
/// holds the company's replay slot (<see cref="ReplaySlot"/>), so no two replays of a company run
/// at once, whichever engines receive them.
/// </summary>
public sealed class ReplayCompanyConsumer(CompanyReplay replay, NpgsqlDataSource db, ILogger<ReplayCompanyConsumer> logger)
    : IConsumer<ReplayCompany>
{
    public async Task Consume(ConsumeContext<ReplayCompany> context)
    {
        var m = context.Message;
        if (!await ReplaySlot.TakeAsync(db, m.ReplayId, context.CancellationToken))
        {
            logger.LogInformation("Replay {ReplayId} of {Company} no longer holds the company's replay slot (finished, or released); not running it",
                m.ReplayId, m.CompanyKey);
            return;
        }
        try
        {
            int revisions;
            await using (ReplaySlot.Beat(db, m.ReplayId, logger))
                revisions = await replay.ReplayAsync(m.CompanyKey, context.CancellationToken);
            await ReplaySlot.FinishAsync(db, m.ReplayId, "completed", revisions, null, context.CancellationToken);
            logger.LogInformation("Replay {ReplayId} of {Company}: {Revisions} decisions changed", m.ReplayId, m.CompanyKey, revisions);
        }
        catch (Exception ex) when (context.GetRetryAttempt() >= ReplayCompanyConsumerDefinition.Retries)
        {
            await ReplaySlot.FinishAsync(db, m.ReplayId, "failed", null, ex.Message, CancellationToken.None);
            throw;
        }
    }
}

public sealed class ReplayCompanyConsumerDefinition : ConsumerDefinition<ReplayCompanyConsumer>
{
    public const int Retries = 5;
    public const string QueueName = "attribution-replay";

    public ReplayCompanyConsumerDefinition()
    {
        EndpointName = QueueName;
        ConcurrentMessageLimit = 1; // one replay at a time per engine instance (memory); one per company is the slot's
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ReplayCompanyConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(r => r.Exponential(Retries, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500)));
}
