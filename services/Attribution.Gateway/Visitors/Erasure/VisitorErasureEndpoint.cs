using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults.Resilience;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults.Companies;
using Npgsql;
using Polly.Registry;
using Attribution.Domain.Visitors;

namespace Attribution.Gateway.Visitors.Erasure;

/// <summary>
/// DELETE /v1/visitors/{fingerprint} (API secret, contract §7): removes the visitor's personal data
/// (fingerprints, message text) from the streams and the read models while every aggregate stays
/// as it was. The fingerprint given and the other fingerprint its events carried (chat ↔ FAQ) are
/// both erased. Events that arrive later with the same fingerprint start a new visitor.
/// </summary>
public static class VisitorErasureEndpoint
{
    public sealed record ErasureResult(int Fingerprints, int Events, int Streams, int Documents, bool ReadModelsCaughtUp);

    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapVisitorErasureEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/v1/visitors/{fingerprint}", Handle)
            .WithName("EraseVisitor")
            .WithSummary("Erase a visitor's personal data (fingerprints, message text); aggregates stay correct.")
            .Produces<ErasureResult>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Handle(string fingerprint, HttpContext http, CompanyDirectory companies, CompanyDatabases databases,
        ResiliencePipelineProvider<string> pipelines, ILoggerFactory logs)
    {
        var retry = pipelines.GetPipeline(ResiliencePipelines.Database);
        var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
        if (caller is null) return denied!;
        if (!IngestionLimits.IsFingerprint(fingerprint))
            return Problems.Validation(new Dictionary<string, string[]> { ["fingerprint"] = ["fingerprint must be 1–128 characters of [A-Za-z0-9._:-]."] });

        var companyKey = caller.Company.CompanyKey;
        var ct = http.RequestAborted;
        var database = await databases.ForCompanyAsync(companyKey, ct);
        var fingerprints = await FingerprintsOfVisitorAsync(database.DataSource, companyKey, fingerprint, ct);
        var pseudonyms = fingerprints.ToDictionary(f => f, _ => VisitorErasurePlan.NewPseudonym(), StringComparer.Ordinal);
        var plan = VisitorErasurePlan.Of(companyKey, pseudonyms);

        // Each step is its own idempotent transaction, so one that lost a deadlock to a projection runs again.
        var first = await retry.ExecuteAsync(async token => await database.Store.ApplyEventDataMaskingAsync(plan, token), ct);
        await retry.ExecuteAsync(async token => await EngagementErasure.ApplyAsync(database.DataSource, companyKey, pseudonyms, token), ct);
        // A projection or the reactor may have read the visitor's events just before the masking and
        // write after it: once every projection is past this point, the same plan catches what they wrote.
        var caughtUp = await database.Projections.WaitForNonStaleAsync(ProjectionNames.Asynchronous, CatchUpLimit, ct);
        var second = await retry.ExecuteAsync(async token => await database.Store.ApplyEventDataMaskingAsync(plan, token), ct);
        await retry.ExecuteAsync(async token => await EngagementErasure.ApplyAsync(database.DataSource, companyKey, pseudonyms, token), ct);

        var result = new ErasureResult(fingerprints.Count, first.Events + second.Events, first.Streams + second.Streams,
            first.Documents + second.Documents, caughtUp);
        if (result is { Events: 0, Streams: 0, Documents: 0 })
            return Problems.Status(StatusCodes.Status404NotFound, "No data for this visitor.");
        logs.CreateLogger("Attribution.Gateway.Erasure").LogInformation(
            "Erased a visitor of {CompanyKey}: {Fingerprints} fingerprint(s), {Events} event rewrites, {Streams} stream(s)",
            companyKey, result.Fingerprints, result.Events, result.Streams);
        return TypedResults.Ok(result);
    }

    /// <summary>The fingerprint itself and any other fingerprint its visitor's events carried.</summary>
    private static async Task<IReadOnlyList<string>> FingerprintsOfVisitorAsync(NpgsqlDataSource db, string companyKey, string fingerprint, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT DISTINCT f FROM event_store.mt_events e,
                   LATERAL (VALUES (e.data->>'userFingerprint'), (e.data->>'userFaqFingerprint')) v(f)
            WHERE f IS NOT NULL
              AND (e.stream_id = ANY($2)
                   OR (e.tenant_id = $1 AND e.type IN ('cart_event_recorded.v1', 'checkout_recorded.v1') AND e.data->>'userFaqFingerprint' = $3))
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(VisitorKey.Candidates(fingerprint).Select(k => VisitorKey.StreamId(companyKey, k)).ToArray());
        cmd.Parameters.AddWithValue(fingerprint);
        var found = new List<string> { fingerprint };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (reader.GetString(0) != fingerprint) found.Add(reader.GetString(0));
        return found;
    }
}
