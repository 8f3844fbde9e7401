using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.ServiceDefaults;

namespace Attribution.Gateway.Shopify;

/// <summary>
/// Pure: Shopify webhook payloads → the bodies of our own checkout and refund endpoints (contract §7),
/// which then go through the very same validators. Event ids are named after the Shopify ids, so a
/// retried delivery is the same event and is recorded once.
/// </summary>
public static class ShopifyPayloads
{
    /// <summary>The cart attributes the SDK writes; Shopify copies them into the order's note_attributes.</summary>
    public const string ChatFingerprintAttribute = "_attribution_fingerprint";
    public const string FaqFingerprintAttribute = "_attribution_faq_fingerprint";

    /// <summary>orders/create → a checkout body: id, total_price, currency, line_items, test, created_at, fingerprints.</summary>
    public static JsonObject CheckoutOf(JsonElement order, string companyKey)
    {
        var orderId = Text(order, "id");
        var body = new JsonObject
        {
            ["eventId"] = orderId is null ? null : DeterministicGuid.From($"{companyKey}:shopify:order:{orderId}").ToString(),
            ["orderId"] = orderId,
            ["value"] = Amount(order, "total_price"),
            ["currency"] = Text(order, "currency"),
            ["test"] = order.TryGetProperty("test", out var test) && test.ValueKind == JsonValueKind.True,
            ["occurredAt"] = Text(order, "created_at"),
        };
        foreach (var (attribute, field) in new[] { (ChatFingerprintAttribute, "userFingerprint"), (FaqFingerprintAttribute, "userFaqFingerprint") })
            if (NoteAttribute(order, attribute) is { } fp && IngestionLimits.IsFingerprint(fp))
                body[field] = fp; // an edited or garbled attribute is left out: the order still counts, unjoined

        var lines = new JsonArray();
        if (order.TryGetProperty("line_items", out var items) && items.ValueKind == JsonValueKind.Array)
            foreach (var item in items.EnumerateArray())
                lines.Add(new JsonObject
                {
                    ["productId"] = Text(item, "product_id") ?? Text(item, "sku") ?? Text(item, "variant_id") ?? Text(item, "id"),
                    ["productName"] = Text(item, "title") ?? Text(item, "name"),
                    ["quantity"] = item.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetInt32() : null,
                    ["value"] = Amount(item, "price"),
                    ["currency"] = Text(order, "currency"),
                });
        if (lines.Count > 0) body["lineItems"] = lines;
        return body;
    }

    /// <summary>refunds/create → a refund body: the successful refund transactions of the refund, summed; null when it refunds no money.</summary>
    public static JsonObject? RefundOf(JsonElement refund, string companyKey)
    {
        decimal amount = 0;
        string? currency = null;
        if (refund.TryGetProperty("transactions", out var transactions) && transactions.ValueKind == JsonValueKind.Array)
            foreach (var t in transactions.EnumerateArray())
            {
                if (Text(t, "kind") != "refund" || Text(t, "status") is not (null or "success")) continue;
                if (Amount(t, "amount") is { } value) amount += value;
                currency ??= Text(t, "currency");
            }
        if (amount == 0) return null; // a restock-only refund: nothing to subtract

        var refundId = Text(refund, "id");
        return new JsonObject
        {
            ["eventId"] = refundId is null ? null : DeterministicGuid.From($"{companyKey}:shopify:refund:{refundId}").ToString(),
            ["refundId"] = refundId,
            ["orderId"] = Text(refund, "order_id"),
            ["amount"] = amount,
            ["currency"] = currency,
            ["occurredAt"] = Text(refund, "created_at"),
        };
    }

    private static string? NoteAttribute(JsonElement order, string name)
    {
        if (!order.TryGetProperty("note_attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array) return null;
        return attributes.EnumerateArray()
            .Where(a => a.ValueKind == JsonValueKind.Object && Text(a, "name") == name)
            .Select(a => Text(a, "value"))
            .FirstOrDefault();
    }

    /// <summary>A field as text: Shopify sends ids as numbers, amounts as strings.</summary>
    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    private static decimal? Amount(JsonElement element, string name) =>
        decimal.TryParse(Text(element, name), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) ? amount : null;
}
