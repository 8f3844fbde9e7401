using System.Diagnostics;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;
using Npgsql;
using Polly;
using Polly.Registry;

namespace Attribution.Engine.Recording;

/// <summary>One accepted event and the broker message that carried it (alone, or in an <see cref="EventBatchReceived"/>).</summary>
public readonly record struct CarriedEvent(ConsumeContext Carrier, object Message);

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
    public async Task RecordAsync(string queue, IReadOnlyList<CarriedEvent> events, CancellationToken ct)
    {
        using var activity = StartActivity(queue, events);
        var poison = new List<(CarriedEvent Event, string Problem)>();
        await AppendAsync(events, poison, ct);
        activity?.SetTag("attribution.unstorable", poison.Count);
        foreach (var (e, problem) in poison)
            await unstorable.FaultAsync(e.Carrier, e.Message, problem, ct);
    }

    // The batch's span links every carrying message's trace, so each request's trace reaches the
    // append; each event also keeps its own message's trace in its metadata.
    private static Activity? StartActivity(string queue, IReadOnlyList<CarriedEvent> events)
    {
        var links = events.Select(e => MessageTrace.ContextOf(e.Carrier)).Where(c => c != default).Distinct().Select(c => new ActivityLink(c));
        var activity = EngineTelemetry.Source.StartActivity($"record {queue}", ActivityKind.Consumer, parentContext: default, links: links);
        activity?.SetTag("messaging.batch.message_count", events.Select(e => e.Carrier).Distinct().Count());
        return activity;
    }

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
        return new StreamAppend(streamId, tenant, ExpectedVersion.Any, [new NewEvent(eventId, data, MessageTrace.MetadataOf(e.Carrier))]);
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
