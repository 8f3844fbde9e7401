using System.Diagnostics;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;
using Npgsql;
using Polly;
using Polly.Registry;

namespace Attribution.Engine.Recording;

/// <summary>
/// One accepted event and the broker message that carried it (alone, or in an <see cref="EventBatchReceived"/>),
/// with its own request's traceparent when the message carried several requests' events.
/// </summary>
public readonly record struct CarriedEvent(ConsumeContext Carrier, object Message, string? TraceParent = null);

/// <summary>
/// Appends accepted events to their streams, all of them in one transaction (one commit per
/// message cannot keep up; see decisions/recording-in-batches). Redeliveries are harmless: the
/// event id is the store's idempotency key within the company. An event the store cannot hold
/// never takes its neighbours down: the store names it before anything is written (or the events
/// are split until the database's refusal isolates it), the rest are stored at once, and it alone
/// goes to its own type's error queue and the data-quality report (<see cref="UnstorableMessages"/>).
/// </summary>
public sealed class EventRecorder(IEventStore store, UnstorableMessages unstorable, ResiliencePipelineProvider<string> pipelines)
{
    private readonly ResiliencePipeline _database = pipelines.GetPipeline(ResiliencePipelines.Database);

    /// <param name="queue">The queue the events were consumed from (names the batch's span).</param>
    /// <param name="holdUnreachable">Events whose company database cannot be reached go to <see cref="HeldEvents"/>
    /// (the others are stored); when false (the held queue itself) the batch fails and is tried again.</param>
    public async Task RecordAsync(string queue, IReadOnlyList<CarriedEvent> events, CancellationToken ct, bool holdUnreachable = true)
    {
        var (traced, consumed) = ContinueEntryTraces(queue, events);
        try
        {
            using var activity = StartActivity(queue, traced);
            var poison = new List<(CarriedEvent Event, string Problem)>();
            try
            {
                await AppendAsync(traced, poison, ct);
            }
            catch (CompanyDatabasesUnavailableException unreachable) when (holdUnreachable)
            {
                // The other companies' events are stored; these wait for their database (those already named unstorable excepted).
                var held = traced.Where(e => unreachable.Companies.Contains(Key(e.Message).TenantId) && !poison.Any(p => p.Event == e)).ToList();
                await HeldEvents.HoldAsync(held, ct);
                activity?.SetTag("attribution.held", held.Count);
            }
            activity?.SetTag("attribution.unstorable", poison.Count);
            foreach (var (e, problem) in poison)
                await unstorable.FaultAsync(e.Carrier, e.Message, problem, ct);
        }
        finally
        {
            foreach (var span in consumed) span.Dispose();
        }
    }

    // An event that names its own request's trace (an entry of a coalesced message) is consumed in
    // a span of that trace, and stored under it, so its decision and read models follow its request.
    private static (IReadOnlyList<CarriedEvent> Events, List<Activity> Spans) ContinueEntryTraces(string queue, IReadOnlyList<CarriedEvent> events)
    {
        if (events.All(e => e.TraceParent is null)) return (events, []);
        var outer = Activity.Current;
        var spans = new List<Activity>();
        var traced = new List<CarriedEvent>(events.Count);
        foreach (var e in events)
        {
            var span = ActivityContext.TryParse(e.TraceParent, null, out var parent)
                ? EngineTelemetry.Source.StartActivity($"consume {queue}", ActivityKind.Consumer, parent,
                    links: MessageTrace.ContextOf(e.Carrier) is var message && message != default ? [new ActivityLink(message)] : null)
                : null;
            if (span is not null) spans.Add(span);
            traced.Add(e with { TraceParent = span?.Id ?? e.TraceParent });
        }
        Activity.Current = outer;
        return (traced, spans);
    }

    // The batch's span links every event's trace (its own request's, else its message's), so each
    // request's trace reaches the append; each event also keeps that trace in its metadata.
    private static Activity? StartActivity(string queue, IReadOnlyList<CarriedEvent> events)
    {
        var links = events.Select(ContextOf).Where(c => c != default).Distinct().Select(c => new ActivityLink(c));
        var activity = EngineTelemetry.Source.StartActivity($"record {queue}", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("messaging.batch.message_count", events.Select(e => e.Carrier).Distinct().Count());
        return activity;
    }

    private static ActivityContext ContextOf(CarriedEvent e) =>
        ActivityContext.TryParse(e.TraceParent, null, out var own) ? own : MessageTrace.ContextOf(e.Carrier);

    /// <summary>Appends the events; those the store refuses for their own data are left out and listed in <paramref name="poison"/>.</summary>
    private async Task AppendAsync(IReadOnlyList<CarriedEvent> events, List<(CarriedEvent, string)> poison, CancellationToken ct)
    {
        if (events.Count == 0) return;
        try
        {
            await _database.ExecuteAsync(async token => await store.AppendAsync([.. events.Select(AppendOf)], token), ct);
        }
        catch (UnstorableEventException ex)
        {
            // Nothing was written: store the others, fault the ones the store named.
            var named = events.ToLookup(e => ex.Problems.ContainsKey(Key(e.Message)));
            poison.AddRange(named[true].Select(e => (e, ex.Problems[Key(e.Message)])));
            await AppendAsync([.. named[false]], poison, ct);
        }
        catch (PostgresException ex) when (MartenEventStore.IsDataException(ex))
        {
            // Refused for its data, by a check the store does not make itself: halve until the culprit is alone.
            if (events.Count == 1)
            {
                poison.Add((events[0], $"{ex.SqlState}: {ex.MessageText}"));
                return;
            }
            await AppendAsync([.. events.Take(events.Count / 2)], poison, ct);
            await AppendAsync([.. events.Skip(events.Count / 2)], poison, ct);
        }
    }

    private static StreamAppend AppendOf(CarriedEvent e)
    {
        var (streamId, tenant, eventId, data) = Place(e.Message);
        return new StreamAppend(streamId, tenant, ExpectedVersion.Any, [new NewEvent(eventId, data, MessageTrace.MetadataOf(e.Carrier, e.TraceParent))]);
    }

    private static (string TenantId, Guid Id) Key(object message)
    {
        var (_, tenant, eventId, _) = Place(message);
        return (tenant, eventId);
    }

    private static (string StreamId, string Tenant, Guid EventId, object Data) Place(object message) => message switch
    {
        CartEventReceived m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        CheckoutCompleted m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        InteractionRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        RefundRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        _ => throw new NotSupportedException($"No stream placement for {message.GetType().Name}."),
    };

    private static (string, string, Guid, object) With((string StreamId, object Event) placed, string tenant, Guid eventId) =>
        (placed.StreamId, tenant, eventId, placed.Event);
}
