using System.Text.Json;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Ingestion.Refunds;

/// <summary>POST /v1/events/refund body → <see cref="RefundRecorded"/>, or every field that is wrong (contract §3).</summary>
public static class RefundValidator
{
    public static (RefundRecorded? Message, FieldErrors Errors) Validate(
        JsonElement body, string companyKey, DateTimeOffset now, string prefix = "")
    {
        if (!JsonFieldReader.TryOpen(body, prefix, out var f)) return (null, f.Errors);
        var errors = f.Errors;

        var eventId = f.EventId("eventId") ?? Guid.CreateVersion7(now);
        var refundId = f.Text("refundId", 1, IngestionLimits.MaxLength("refundId"), required: true);
        var orderId = f.Text("orderId", 1, IngestionLimits.MaxLength("orderId"), required: true);
        var amount = f.Number("amount", 0m, IngestionLimits.MaxValue, required: true);
        if (amount == 0m) errors.Add(f.Name("amount"), "amount must be positive.");
        var currency = f.Currency("currency", required: true);
        f.CheckMinorUnits("amount", amount, currency);
        var occurredAt = f.OccurredAt("occurredAt", now);

        if (!errors.IsEmpty) return (null, errors);
        return (new RefundRecorded
        {
            EventId = eventId,
            CompanyKey = companyKey,
            RefundId = refundId!,
            OrderId = orderId!,
            Amount = amount!.Value,
            Currency = currency!,
            OccurredAt = occurredAt,
            ReceivedAt = now,
        }, errors);
    }
}
