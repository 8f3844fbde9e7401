using System.Text.Json;
using Attribution.Contracts.Attribution;
using MassTransit;
using Npgsql;
using NpgsqlTypes;

namespace Attribution.SampleSubscriber;

/// <summary>
/// Logs and stores each attributed-revenue message once. A redelivery only bumps the
/// <c>deliveries</c> counter: the insert is keyed by the deterministic <c>attributionId</c>.
/// </summary>
public sealed class RevenueMessagesConsumer(NpgsqlDataSource db, ILogger<RevenueMessagesConsumer> logger)
    : IConsumer<RevenueAttributed>, IConsumer<AttributionRevised>
{
    public async Task Consume(ConsumeContext<RevenueAttributed> context)
    {
        var m = context.Message;
        logger.LogInformation("Revenue attributed: {Kind} {Amount} {Currency} of {Company} to {Channel} {Interaction}",
            m.Kind, m.Amount, m.Currency, m.CompanyKey, m.Channel, m.ConversationId ?? m.NudgeId);
        await Store(nameof(RevenueAttributed), m.AttributionId, m.CompanyKey, m.SourceEventId, m, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<AttributionRevised> context)
    {
        var m = context.Message;
        logger.LogInformation("Attribution revised (revision {Revision}) for {Kind} {SourceEvent} of {Company}: attributed {Before} -> {After}",
            m.Revision, m.Kind, m.SourceEventId, m.CompanyKey, m.Before.Attributed, m.After.Attributed);
        await Store(nameof(AttributionRevised), m.AttributionId, m.CompanyKey, m.SourceEventId, m, context.CancellationToken);
    }

    private async Task Store<T>(string type, Guid attributionId, string companyKey, Guid sourceEventId, T message, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO sample_subscriber.received_messages (attribution_id, message_type, company_key, source_event_id, payload)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (attribution_id) DO UPDATE SET deliveries = received_messages.deliveries + 1
            """);
        cmd.Parameters.AddWithValue(attributionId);
        cmd.Parameters.AddWithValue(type);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(sourceEventId);
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(message), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
