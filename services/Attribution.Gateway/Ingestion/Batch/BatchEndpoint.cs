using System.Text.Json;
using System.Text.Json.Serialization;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Interactions;
using Attribution.Gateway.Ingestion.Publishing;
using Attribution.Gateway.Ingestion.Rejections;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Domain.Companies;
using Attribution.ServiceDefaults.Messaging;

namespace Attribution.Gateway.Ingestion.Batch;

/// <summary>
/// POST /v1/events/batch (contract §3): up to 500 events and 1 MiB, one result per event in
/// order; valid events are accepted even when others are not. Accepted ones travel as one
/// <see cref="EventBatchReceived"/> (contract §5), in request order, confirmed by the broker; when
/// it could not take it, every accepted one is "unavailable" (the client resends them with the same
/// eventIds) and the answer is 503.
/// An interaction's own body has a "kind" too, so in a batch it is written either
/// <c>{"kind":"interaction","interactionKind":"SHOPPER_MESSAGE",…}</c> or with its own kind as the
/// item's kind, <c>{"kind":"SHOPPER_MESSAGE",…}</c>.
/// </summary>
public static class BatchEndpoint
{
    public static readonly int MaxEvents = IngestionLimits.MaxBatchEvents;

    public sealed record BatchResult(
        int Index,
        string Status,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? EventId = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Errors = null);

    public sealed record BatchResponse(IReadOnlyList<BatchResult> Results);

    /// <summary>One validated event of a batch, ready to publish (or its errors).</summary>
    public sealed record BatchItem(int Index, string Kind, object? Message, Guid EventId, FieldErrors Errors);

    public static IEndpointRouteBuilder MapBatchEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events/batch", Handle)
            .RequireRateLimiting(IngestionRateLimits.Policy)
            .WithName("PostBatch")
            .WithSummary("Record up to 500 cart, checkout and interaction events at once; one result per event.")
            .Accepts<JsonElement>("application/json", "text/plain")
            .Produces<BatchResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>Pure: the batch body → one item per event, validated by the same validators as the single endpoints.</summary>
    public static (IReadOnlyList<BatchItem>? Items, FieldErrors Errors) Validate(JsonElement body, Company company, bool isServer, DateTimeOffset now)
    {
        if (!JsonFieldReader.TryOpen(body, "", out var f)) return (null, f.Errors);
        if (!body.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            f.Errors.Add("events", "events must be an array of events.", RejectionReasons.MissingField);
            return (null, f.Errors);
        }
        if (events.GetArrayLength() == 0 || events.GetArrayLength() > MaxEvents)
        {
            f.Errors.Add("events", $"events must hold 1–{MaxEvents} events.");
            return (null, f.Errors);
        }

        var items = new List<BatchItem>(events.GetArrayLength());
        var index = 0;
        foreach (var e in events.EnumerateArray())
            items.Add(ValidateOne(index++, e, company, isServer, now));
        return (items, f.Errors);
    }

    private static BatchItem ValidateOne(int index, JsonElement e, Company company, bool isServer, DateTimeOffset now)
    {
        var kind = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "";
        (object? Message, Guid EventId, FieldErrors Errors) result = kind switch
        {
            "cart" => Unpack(IngestionEndpoints.Cart(e, company, now), m => m.EventId),
            "checkout" => Unpack(Sourced(IngestionEndpoints.Checkout(e, company, now), isServer), m => m.EventId),
            _ when IsInteraction(kind) => isServer
                ? Unpack(InteractionValidator.Validate(e, company.CompanyKey, now, kindField: kind == "interaction" ? "interactionKind" : "kind"), m => m.EventId)
                : (null, Guid.Empty, Error("kind", "interaction events need the API secret (Authorization: Bearer).", RejectionReasons.NotAllowedForKey)),
            _ => (null, Guid.Empty, Error("kind",
                "kind must be one of cart, checkout, interaction (with interactionKind), or an interaction kind such as SHOPPER_MESSAGE.",
                kind.Length == 0 ? RejectionReasons.MissingField : RejectionReasons.InvalidField)),
        };
        var itemKind = IsInteraction(kind) ? "interaction" : kind.Length == 0 ? "unknown" : kind;
        return new BatchItem(index, itemKind, result.Message, result.EventId, result.Errors);
    }

    private static bool IsInteraction(string kind) =>
        kind == "interaction" || Enum.GetNames<InteractionKind>().Contains(kind, StringComparer.Ordinal);

    private static (CheckoutCompleted? Message, FieldErrors Errors) Sourced((CheckoutCompleted? Message, FieldErrors Errors) r, bool isServer) =>
        (r.Message is null ? null : IngestionEndpoints.WithSource(r.Message, isServer), r.Errors);

    private static (object?, Guid, FieldErrors) Unpack<T>((T? Message, FieldErrors Errors) r, Func<T, Guid> idOf) where T : class =>
        (r.Message, r.Message is null ? Guid.Empty : idOf(r.Message), r.Errors);

    private static FieldErrors Error(string field, string message, string reason)
    {
        var errors = new FieldErrors();
        errors.Add(field, message, reason);
        return errors;
    }

    private static async Task<IResult> Handle(HttpContext http, IngestionRequest ingestion, EventPublisher publisher, RejectionLog rejections)
    {
        var (request, failure) = await ingestion.OpenAsync(http, serverOnly: false, JsonBody.BatchLimit, "batch");
        if (request is null) return failure!;
        using var body = request.Body;

        var (items, errors) = Validate(body.RootElement, request.Caller.Company, request.Caller.IsServer, request.ReceivedAt);
        if (items is null) return await ingestion.RejectAsync(request, "batch", errors, http.RequestAborted);

        var ct = http.RequestAborted;
        var published = await publisher.TryPublishBatchAsync([.. items.Where(i => i.Message is not null).Select(i => BatchedEvents.Of(i.Message!))], request.Caller.Company.CompanyKey, ct);

        var rejected = items.Where(i => i.Message is null).ToList();
        await rejections.RecordAsync(request.Caller.Company.CompanyKey,
            rejected.Select(i => new RejectionLog.Rejection(i.Kind, i.Errors)).ToList(), request.ReceivedAt, ct);

        var results = items.Select(i =>
            i.Message is null ? new BatchResult(i.Index, "rejected", Errors: i.Errors.ToDictionary())
            : published ? new BatchResult(i.Index, "accepted", i.EventId)
            : new BatchResult(i.Index, "unavailable", i.EventId)).ToList();

        if (results.Any(r => r.Status == "unavailable"))
        {
            http.Response.Headers.RetryAfter = EventPublisher.RetryAfterSeconds;
            if (!results.Any(r => r.Status == "accepted"))
                return TypedResults.Json(new BatchResponse(results), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Accepted((string?)null, new BatchResponse(results));
    }
}
