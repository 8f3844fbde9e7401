using Attribution.EventStore.Databases;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;
using Attribution.ReadModels.LatestDecisions;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using Attribution.Domain.Rules;
using Attribution.EventStore;
using Npgsql;

namespace Attribution.Gateway.Explain;

/// <summary>
/// GET /v1/attribution/events/{eventId} and /v1/attribution/orders/{orderId} (contract §6): the
/// decision, the credited interaction, the window, the rule, its version and the reasons every
/// other interaction did not qualify, and the visitor's timeline around the event. Reads the latest-decision read model (<see cref="ExplainQueries"/>); the rule's words
/// come from the rule version the decision names (decisions do not repeat them).
/// </summary>
public static class ExplainEndpoints
{
    public sealed record CreditedInteractionView(string Channel, string? ConversationId, string? NudgeId, string? Variant, DateTimeOffset QualifiedAt);

    public sealed record Explanation(
        Guid EventId, string Kind, string? OrderId, bool Attributed, bool Counted, CreditedInteractionView? CreditedInteraction,
        int WindowHours, string Rule, string RuleVersion, IReadOnlyList<string> Reasons, int Revision,
        decimal Amount, string Currency, DateTimeOffset OccurredAt, IReadOnlyList<VisitorTimeline.Entry> Timeline);

    public static IEndpointRouteBuilder MapExplainEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/attribution/events/{eventId:guid}", async (Guid eventId, HttpContext http, CompanyDirectory companies, ExplainQueries decisions, CompanyDatabases databases) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                return await AnswerAsync(await decisions.OfEventAsync(caller.Company.CompanyKey, eventId, http.RequestAborted), $"event {eventId}", databases, http.RequestAborted);
            })
            .WithName("ExplainEvent")
            .ReadableByViewers()
            .WithSummary("Why a cart or checkout event was (not) attributed.")
            .Produces<Explanation>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/v1/attribution/orders/{orderId}", async (string orderId, HttpContext http, CompanyDirectory companies, ExplainQueries decisions, CompanyDatabases databases) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                return await AnswerAsync(await decisions.OfOrderAsync(caller.Company.CompanyKey, orderId, http.RequestAborted), $"order {orderId}", databases, http.RequestAborted);
            })
            .WithName("ExplainOrder")
            .ReadableByViewers()
            .WithSummary("Why an order was (not) attributed.")
            .Produces<Explanation>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> AnswerAsync(V2.AttributionDecided? d, string what, CompanyDatabases databases, CancellationToken ct)
    {
        if (d is null) return Problems.Status(StatusCodes.Status404NotFound, $"No decision for {what} yet (decisions are eventually consistent).");
        var database = await databases.ForCompanyAsync(d.CompanyKey, ct);
        var timeline = await VisitorTimeline.AroundAsync(database.DataSource, database.Store, d.CompanyKey, d.SourceEventId, d.UserFingerprint, d.OccurredAt, d.WindowHours, ct);
        return TypedResults.Ok(new Explanation(
            d.SourceEventId,
            d.Kind.ToString(),
            d.OrderId,
            d.Attributed,
            d.Counted,
            d.Credited is not { } credited ? null : new CreditedInteractionView(
                credited.Channel.ToString(), credited.ConversationId, credited.NudgeId, credited.Variant, credited.QualifiedAt),
            d.WindowHours,
            RuleVersions.Describe(d.RuleVersion),
            d.RuleVersion,
            d.Reasons,
            d.Revision,
            d.Amount,
            d.Currency,
            d.OccurredAt,
            timeline));
    }
}
