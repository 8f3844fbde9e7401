using System.Text.Json;
using Attribution.Gateway.Auth;
using Attribution.Gateway.Http;
using Attribution.ServiceDefaults.Companies;
using Attribution.ServiceDefaults.ReadModels;
using Npgsql;

namespace Attribution.Gateway.Explain;

/// <summary>
/// GET /v1/attribution/events/{eventId} and /v1/attribution/orders/{orderId} (contract §6): the
/// decision, the credited interaction, the window, the rule, its version and the reasons every
/// other interaction did not qualify. Reads the engine's latest-decision documents; the rule's words
/// come from the rule version the decision names (decisions do not repeat them).
/// </summary>
public static class ExplainEndpoints
{
    public sealed record CreditedInteractionView(string Channel, string? ConversationId, string? NudgeId, string? Variant, DateTimeOffset QualifiedAt);

    public sealed record Explanation(
        Guid EventId, string Kind, string? OrderId, bool Attributed, bool Counted, CreditedInteractionView? CreditedInteraction,
        int WindowHours, string Rule, string RuleVersion, IReadOnlyList<string> Reasons, int Revision,
        decimal Amount, string Currency, DateTimeOffset OccurredAt);

    public static IEndpointRouteBuilder MapExplainEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/attribution/events/{eventId:guid}", async (Guid eventId, HttpContext http, CompanyDirectory companies, NpgsqlDataSource db) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                await using var cmd = db.CreateCommand("SELECT data::text FROM event_store.documents WHERE type = $1 AND id = $2");
                cmd.Parameters.AddWithValue(DocumentTypes.AttributionDecision);
                cmd.Parameters.AddWithValue($"{caller.Company.CompanyKey}:{eventId}");
                return Answer(await cmd.ExecuteScalarAsync(http.RequestAborted) as string, $"event {eventId}");
            })
            .WithName("ExplainEvent")
            .ReadableByViewers()
            .WithSummary("Why a cart or checkout event was (not) attributed.")
            .Produces<Explanation>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        app.MapGet("/v1/attribution/orders/{orderId}", async (string orderId, HttpContext http, CompanyDirectory companies, NpgsqlDataSource db) =>
            {
                var (caller, denied) = await CallerAuthentication.AuthenticateAsync(http, companies, serverOnly: true);
                if (caller is null) return denied!;
                // The copy of the order that counts answers; other copies (repeats, test) only when none counts.
                await using var cmd = db.CreateCommand("""
                    SELECT data::text FROM event_store.documents
                    WHERE type = $1 AND data->>'companyKey' = $2 AND data->>'orderId' = $3
                    ORDER BY (data->>'counted')::boolean DESC, (data->>'occurredAt') LIMIT 1
                    """);
                cmd.Parameters.AddWithValue(DocumentTypes.AttributionDecision);
                cmd.Parameters.AddWithValue(caller.Company.CompanyKey);
                cmd.Parameters.AddWithValue(orderId);
                return Answer(await cmd.ExecuteScalarAsync(http.RequestAborted) as string, $"order {orderId}");
            })
            .WithName("ExplainOrder")
            .ReadableByViewers()
            .WithSummary("Why an order was (not) attributed.")
            .Produces<Explanation>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static IResult Answer(string? json, string what)
    {
        if (json is null) return Problems.Status(StatusCodes.Status404NotFound, $"No decision for {what} yet (decisions are eventually consistent).");
        var d = JsonDocument.Parse(json).RootElement;
        var credited = d.GetProperty("credited");
        var ruleVersion = d.GetProperty("ruleVersion").GetString()!;
        return TypedResults.Ok(new Explanation(
            d.GetProperty("sourceEventId").GetGuid(),
            d.GetProperty("kind").GetString()!,
            d.GetProperty("orderId").GetString(),
            d.GetProperty("attributed").GetBoolean(),
            d.GetProperty("counted").GetBoolean(),
            credited.ValueKind == JsonValueKind.Null ? null : new CreditedInteractionView(
                credited.GetProperty("channel").GetString()!,
                credited.GetProperty("conversationId").GetString(),
                credited.GetProperty("nudgeId").GetString(),
                credited.GetProperty("variant").GetString(),
                credited.GetProperty("qualifiedAt").GetDateTimeOffset()),
            d.GetProperty("windowHours").GetInt32(),
            RuleVersions.Describe(ruleVersion),
            ruleVersion,
            d.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!).ToList(),
            d.GetProperty("revision").GetInt32(),
            d.GetProperty("amount").GetDecimal(),
            d.GetProperty("currency").GetString()!,
            d.GetProperty("occurredAt").GetDateTimeOffset()));
    }
}
