using System.Diagnostics;
using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.ServiceDefaults.Resilience;
using MassTransit;
using Npgsql;
using Polly;
using Polly.Registry;

namespace Attribution.Engine.Recording;

/// <summary>
/// Records accepted messages in their streams, a whole batch in one transaction (one commit per
/// message cannot keep up; see platform-notes). Redeliveries are harmless: the event id is the
/// store's idempotency key within the company. A message the store cannot hold never takes its
/// neighbours down: the store names it before anything is written (or the batch is split until the
/// database's refusal isolates it), the rest are stored at once, and it alone goes to the error
/// queue and the data-quality report (<see cref="UnstorableMessages"/>). One consumer type per
/// message, sharing this code.
/// </summary>
public sealed class RecordingConsumer<TMessage>(IEventStore store, UnstorableMessages unstorable, ResiliencePipelineProvider<string> pipelines)
    : IConsumer<Batch<TMessage>> where TMessage : class
{
    private readonly ResiliencePipeline _database = pipelines.GetPipeline(ResiliencePipelines.Database);

    public async Task Consume(ConsumeContext<Batch<TMessage>> context)
    {
        IReadOnlyList<ConsumeContext<TMessage>> messages = [.. context.Message];
        using var activity = StartActivity(messages);
        var poison = new List<(ConsumeContext<TMessage> Message, string Problem)>();
        await RecordAsync(messages, poison, context.CancellationToken);
        activity?.SetTag("attribution.unstorable", poison.Count);
        foreach (var (message, problem) in poison)
            await unstorable.FaultAsync(message, RecordingQueues.Of<TMessage>(), problem, context.CancellationToken);
    }

    /// <summary>Appends the messages; those the store refuses for their own data are left out and listed in <paramref name="poison"/>.</summary>
    private async Task RecordAsync(IReadOnlyList<ConsumeContext<TMessage>> messages, List<(ConsumeContext<TMessage>, string)> poison, CancellationToken ct)
    {
        if (messages.Count == 0) return;
        try
        {
            await _database.ExecuteAsync(async token => await store.AppendAsync([.. messages.Select(AppendOf)], token), ct);
        }
        catch (UnstorableEventException ex)
        {
            // Nothing was written: store the others, fault the ones the store named.
            var named = messages.ToLookup(m => ex.Problems.ContainsKey(Key(m.Message)));
            poison.AddRange(named[true].Select(m => (m, ex.Problems[Key(m.Message)])));
            await RecordAsync([.. named[false]], poison, ct);
        }
        catch (PostgresException ex) when (MartenEventStore.IsDataException(ex))
        {
            // Refused for its data, by a check the store does not make itself: halve until the culprit is alone.
            if (messages.Count == 1)
            {
                poison.Add((messages[0], $"{ex.SqlState}: {ex.MessageText}"));
                return;
            }
            await RecordAsync([.. messages.Take(messages.Count / 2)], poison, ct);
            await RecordAsync([.. messages.Skip(messages.Count / 2)], poison, ct);
        }
    }

    // The batch's span continues the trace MassTransit gives the batch (one message's) and links every
    // message's own, so each request's trace reaches the append; each event also keeps its own trace.
    private static Activity? StartActivity(IReadOnlyList<ConsumeContext<TMessage>> messages)
    {
        var links = messages.Select(MessageTrace.ContextOf).Where(c => c != default).Distinct().Select(c => new ActivityLink(c));
        var activity = EngineTelemetry.Source.StartActivity($"record {RecordingQueues.Of<TMessage>()}", ActivityKind.Consumer,
            parentContext: default, links: links);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        return activity;
    }

    private static StreamAppend AppendOf(ConsumeContext<TMessage> m)
    {
        var (streamId, tenant, eventId, data) = Place(m.Message);
        return new StreamAppend(streamId, tenant, ExpectedVersion.Any, [new NewEvent(eventId, data, MessageTrace.MetadataOf(m))]);
    }

    private static (string TenantId, Guid Id) Key(TMessage message)
    {
        var (_, tenant, eventId, _) = Place(message);
        return (tenant, eventId);
    }

    private static (string StreamId, string Tenant, Guid EventId, object Data) Place(TMessage message) => message switch
    {
        CartEventReceived m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        CheckoutCompleted m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        InteractionRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        RefundRecorded m => With(StreamPlacement.Of(m), m.CompanyKey, m.EventId),
        _ => throw new NotSupportedException($"No stream placement for {typeof(TMessage).Name}."),
    };

    private static (string, string, Guid, object) With((string StreamId, object Event) placed, string tenant, Guid eventId) =>
        (placed.StreamId, tenant, eventId, placed.Event);
}

/// <summary>
/// Consumer policy: batch size, wait, concurrency and retries live here, not in the consumer
/// (MassTransit's Sample-Outbox style). Each message type gets its own queue.
/// </summary>
public sealed class RecordingConsumerDefinition<TMessage> : ConsumerDefinition<RecordingConsumer<TMessage>> where TMessage : class
{
    public const int BatchSize = 200;
    public const int ConcurrentBatches = 2;

    public RecordingConsumerDefinition()
    {
        EndpointName = RecordingQueues.Of<TMessage>();
        ConcurrentMessageLimit = BatchSize * ConcurrentBatches;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RecordingConsumer<TMessage>> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = BatchSize * ConcurrentBatches * 2;
        endpointConfigurator.UseMessageRetry(r => r.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200)));
        consumerConfigurator.Options<BatchOptions>(o => o
            .SetMessageLimit(BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(10))
            .SetConcurrencyLimit(ConcurrentBatches));
    }
}

/// <summary>The recording queue of each message type (the watchdog asks the broker about them).</summary>
public static class RecordingQueues
{
    public static string Of<TMessage>() => "attribution-record-" + KebabCaseEndpointNameFormatter.Instance.SanitizeName(typeof(TMessage).Name);
}
