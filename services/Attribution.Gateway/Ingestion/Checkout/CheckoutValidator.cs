using System.Text.Json;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Ingestion.Checkout;

/// <summary>POST /v1/events/checkout body → <see cref="CheckoutCompleted"/>, or every field that is wrong (contract §3).</summary>
public static class CheckoutValidator
{
    public static readonly int MaxLineItems = IngestionLimits.MaxLineItems;

    public static (CheckoutCompleted? Message, FieldErrors Errors) Validate(
        JsonElement body, string companyKey, DateTimeOffset now, string prefix = "")
    {
        if (!JsonFieldReader.TryOpen(body, prefix, out var f)) return (null, f.Errors);
        var errors = f.Errors;

        var eventId = f.EventId("eventId") ?? Guid.CreateVersion7(now);
        // Fingerprints are optional on a checkout: an order without one is recorded (and lowers fingerprint coverage).
        var (userFingerprint, faqFingerprint) = f.Fingerprints(required: false);
        var orderId = f.Text("orderId", 1, IngestionLimits.MaxLength("orderId"), required: false);
        var value = f.Number("value", 0m, IngestionLimits.MaxValue, required: true);
        var currency = f.Currency("currency", required: true);
        f.CheckMinorUnits("value", value, currency);
        var test = f.Boolean("test", required: false) ?? false;
        var lineItems = LineItems(body, f, currency);
        var occurredAt = f.OccurredAt("occurredAt", now);

        if (!errors.IsEmpty) return (null, errors);
        return (new CheckoutCompleted
        {
            EventId = eventId,
            CompanyKey = companyKey,
            UserFingerprint = userFingerprint,
            UserFaqFingerprint = faqFingerprint,
            OrderId = orderId,
            Value = value!.Value,
            Currency = currency!,
            LineItems = lineItems,
            Test = test,
            OccurredAt = occurredAt,
            ReceivedAt = now,
        }, errors);
    }

    private static List<CheckoutLineItem> LineItems(JsonElement body, JsonFieldReader f, string? orderCurrency)
    {
        var items = new List<CheckoutLineItem>();
        if (!f.Has("lineItems")) return items;
        var array = body.GetProperty("lineItems");
        if (array.ValueKind != JsonValueKind.Array)
        {
            f.Errors.Add(f.Name("lineItems"), "lineItems must be an array.");
            return items;
        }
        if (array.GetArrayLength() > MaxLineItems)
        {
            f.Errors.Add(f.Name("lineItems"), $"lineItems must have at most {MaxLineItems} items.");
            return items;
        }

        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var itemPrefix = $"{f.Name("lineItems")}[{index++}].";
            var item = new JsonFieldReader(element, f.Errors, itemPrefix);
            if (element.ValueKind != JsonValueKind.Object)
            {
                f.Errors.Add(itemPrefix.TrimEnd('.'), "Each line item must be an object.");
                continue;
            }
            var productId = item.Text("productId", 1, IngestionLimits.MaxLength("productId"), required: true);
            var productName = item.Text("productName", 1, IngestionLimits.MaxLength("productName"), required: true);
            var quantity = item.WholeNumber("quantity", IngestionLimits.MinQuantity, IngestionLimits.MaxQuantity, required: true);
            var value = item.Number("value", 0m, IngestionLimits.MaxValue, required: true);
            var currency = item.Currency("currency", required: true);
            item.CheckMinorUnits("value", value, currency);
            if (currency is not null && orderCurrency is not null && currency != orderCurrency)
                f.Errors.Add(item.Name("currency"), $"currency must be the order's currency ({orderCurrency}); got {currency}.",
                    RejectionReasons.LineItemCurrencyMismatch);
            if (productId is not null && productName is not null && quantity is not null && value is not null && currency is not null)
                items.Add(new CheckoutLineItem(productId, productName, quantity.Value, value.Value, currency));
        }
        return items;
    }
}
