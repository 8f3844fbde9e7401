using System.Globalization;
using System.Text.Json;
using Attribution.Contracts.Ingestion;
using MassTransit;
using Npgsql;
using NpgsqlTypes;
using Attribution.ReadModels.DataQuality;

namespace Attribution.Engine.Recording;

/// <summary>
/// What happens to an accepted message the event store cannot hold: it is counted for its company
/// in the data-quality report (with the gateway's rejections, <c>app.rejected_events</c>, reason
/// <see cref="DataQualityReasons.NotStored"/>) and moved, alone, to its queue's error queue with
/// MassTransit's fault headers, where an operator can inspect and move it back once it can be stored.
/// Retrying it could never succeed, so it is not retried.
/// </summary>
public sealed class UnstorableMessages(NpgsqlDataSource db, ILogger<UnstorableMessages> logger)
{
    public static string ErrorQueueOf(string queue) => queue + "_error";

    /// <summary>
    /// Faults <paramref name="message"/> alone, to the error queue of its own type's queue even when
    /// it came inside an <see cref="EventBatchReceived"/>: moved back there, it is consumed like any other.
    /// </summary>
    public async Task FaultAsync(ConsumeContext carrier, object message, string problem, CancellationToken ct)
    {
        var queue = RecordingQueues.Of(message.GetType());
        var (company, eventId, kind, receivedAt) = Describe(message);
        logger.LogError("Event {EventId} of {Company} ({Kind}) cannot be stored ({Problem}); moved to {ErrorQueue}",
            eventId, company, kind, problem, ErrorQueueOf(queue));

        await using (var cmd = db.CreateCommand("""
            INSERT INTO app.rejected_events (company_key, kind, reasons, errors, received_at) VALUES ($1, $2, $3, $4, $5)
            """))
        {
            cmd.Parameters.AddWithValue(company);
            cmd.Parameters.AddWithValue(kind);
            cmd.Parameters.AddWithValue(new[] { DataQualityReasons.NotStored });
            cmd.Parameters.Add(new NpgsqlParameter
            {
                Value = JsonSerializer.Serialize(new Dictionary<string, string[]>
                {
                    ["eventId"] = [$"Event {eventId} was accepted but cannot be stored ({problem}); it is in {ErrorQueueOf(queue)}."],
                }),
                NpgsqlDbType = NpgsqlDbType.Jsonb,
            });
            cmd.Parameters.AddWithValue(receivedAt);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var errorQueue = await carrier.GetSendEndpoint(new Uri($"queue:{ErrorQueueOf(queue)}"));
        await errorQueue.Send(message, message.GetType(), send =>
        {
            // Alone, it is known by its eventId, as the gateway publishes a lone event.
            send.MessageId = carrier is ConsumeContext<EventBatchReceived> ? eventId : carrier.MessageId;
            send.CorrelationId = carrier.CorrelationId;
            send.ConversationId = carrier.ConversationId;
            send.Headers.Set("MT-Reason", "fault");
            send.Headers.Set("MT-Fault-ExceptionType", "Attribution.EventStore.UnstorableEventException");
            send.Headers.Set("MT-Fault-Message", problem);
            send.Headers.Set("MT-Fault-Timestamp", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            // Its own type's queue, where moving it back gets it consumed (not the batch queue it came by).
            send.Headers.Set("MT-Fault-InputAddress", new Uri(carrier.ReceiveContext.InputAddress, queue).ToString());
        }, ct);
    }

    private static (string Company, Guid EventId, string Kind, DateTimeOffset ReceivedAt) Describe(object message) => message switch
    {
        CartEventReceived m => (m.CompanyKey, m.EventId, "cart", m.ReceivedAt),
        CheckoutCompleted m => (m.CompanyKey, m.EventId, "checkout", m.ReceivedAt),
        InteractionRecorded m => (m.CompanyKey, m.EventId, "interaction", m.ReceivedAt),
        RefundRecorded m => (m.CompanyKey, m.EventId, "refund", m.ReceivedAt),
        _ => throw new NotSupportedException($"No description for {message.GetType().Name}."),
    };
}
