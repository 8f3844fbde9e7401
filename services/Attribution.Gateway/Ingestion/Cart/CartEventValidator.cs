using System.Text.Json;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Ingestion.Cart;

/// <summary>
/// POST /v1/events/cart body → <see cref="CartEventReceived"/>, or every field that is wrong
/// (contract §3). Pure: the same body, company and clock always give the same answer.
/// </summary>
public static class CartEventValidator
{
    public static (CartEventReceived? Message, FieldErrors Errors) Validate(
        JsonElement body, string companyKey, bool quantityIsTotal, DateTimeOffset now, string prefix = "")
    {
        if (!JsonFieldReader.TryOpen(body, prefix, out var f)) return (null, f.Errors);
        var errors = f.Errors;
        var eventId = f.EventId("eventId") ?? Guid.CreateVersion7(now);
        var (userFingerprint, faqFingerprint) = f.Fingerprints(required: true);

        var type = f.Enum<CartEventType>("type", required: true, RejectionReasons.UnknownCartType);
        var productId = f.Text("productId", 1, IngestionLimits.MaxLength("productId"), required: true);
        var productName = f.Text("productName", 1, IngestionLimits.MaxLength("productName"), required: true);
        var value = f.Number("value", 0m, IngestionLimits.MaxValue, required: true);
        var currency = f.Currency("currency", required: true);
        f.CheckMinorUnits("value", value, currency);
        // In TOTAL mode the storefront sends the line's new total, which may be 0.
        var quantity = f.WholeNumber("quantity", quantityIsTotal ? 0 : IngestionLimits.MinQuantity, IngestionLimits.MaxQuantity, required: true);
        var occurredAt = f.OccurredAt("occurredAt", now);

        if (!errors.IsEmpty) return (null, errors);
        return (new CartEventReceived
        {
            EventId = eventId,
            CompanyKey = companyKey,
            UserFingerprint = userFingerprint,
            UserFaqFingerprint = faqFingerprint,
            Type = type!.Value,
            ProductId = productId!,
            ProductName = productName!,
            Value = value!.Value,
            Currency = currency!,
            Quantity = quantity!.Value,
            OccurredAt = occurredAt,
            ReceivedAt = now,
        }, errors);
    }
}
