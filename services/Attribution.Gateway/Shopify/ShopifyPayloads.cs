using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Checkout;
using Attribution.Gateway.Ingestion.Refunds;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.Gateway.Shopify;

/// <summary>
/// Pure: Shopify webhook payloads → the bodies of our own checkout and refund endpoints (contract §7),
/// which then go through the very same validators. Whatever a signed payload holds, the answer is a
/// message or the errors that name what cannot be read, never an exception: Shopify retries every
/// delivery it does not see answered 2xx, and a payload that cannot be read now never will be.
/// Event ids come from <see cref="ShopifyEventIds"/>, so a retried delivery is the same event.
/// </summary>
public static partial class ShopifyPayloads
{
    /// <summary>The cart attributes the SDK writes; Shopify copies them into the order's note_attributes.</summary>
    public const string ChatFingerprintAttribute = "_attribution_fingerprint";
    public const string FaqFingerprintAttribute = "_attribution_faq_fingerprint";

    /// <summary>orders/create → the checkout it records (marked as Shopify's, a verified copy), or every error that stops it.</summary>
    public static (CheckoutCompleted? Message, FieldErrors Errors) ReadOrder(JsonElement order, string secret, string companyKey, DateTimeOffset now)
    {
        var (body, unreadable) = CheckoutOf(order, secret, companyKey);
        if (body is null) return (null, unreadable);
        var (message, errors) = CheckoutValidator.Validate(ToElement(body), companyKey, now);
        return (message is null ? null : message with { Source = "shopify" }, errors);
    }

    /// <summary>refunds/create → the refund it records, or every error that stops it; neither (no message, no errors) when it returns no money.</summary>
    public static (RefundRecorded? Message, FieldErrors Errors) ReadRefund(JsonElement refund, string secret, string companyKey, DateTimeOffset now)
    {
        var (body, unreadable) = RefundOf(refund, secret, companyKey);
        if (body is null) return (null, unreadable);
        return RefundValidator.Validate(ToElement(body), companyKey, now);
    }

    /// <summary>
    /// orders/create → a checkout body: id, total_price, currency, line_items, test, created_at, fingerprints;
    /// or no body and the errors of what cannot be read at all. Amounts and quantities are handed on as
    /// the JSON numbers they are, so the validator judges them exactly as it judges POST /v1/events/checkout.
    /// </summary>
    public static (JsonObject? Body, FieldErrors Errors) CheckoutOf(JsonElement order, string secret, string companyKey)
    {
        var errors = new FieldErrors();
        if (order.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The body must be a JSON object (a Shopify order).");
            return (null, errors);
        }

        var orderId = Text(order, "id", "orderId", errors);
        // Without its id an order cannot be told from its own retries: each would count again.
        if (orderId is null && !errors.Has("orderId"))
            errors.Add("orderId", "id is required: it is what makes a retried delivery the same order.", RejectionReasons.MissingField);
        var currency = Text(order, "currency", "currency", errors);
        var body = new JsonObject
        {
            ["eventId"] = orderId is null ? null : ShopifyEventIds.Of(secret, companyKey, ShopifyEventIds.Order, orderId).ToString(),
            ["orderId"] = orderId,
            ["value"] = Number(order, "total_price", "value", errors),
            ["currency"] = currency,
            ["test"] = order.TryGetProperty("test", out var test) && test.ValueKind == JsonValueKind.True,
            ["occurredAt"] = Text(order, "created_at", "occurredAt", errors),
        };
        foreach (var (attribute, field) in new[] { (ChatFingerprintAttribute, "userFingerprint"), (FaqFingerprintAttribute, "userFaqFingerprint") })
            if (NoteAttribute(order, attribute) is { } fp && IngestionLimits.IsFingerprint(fp))
                body[field] = fp; // an edited or garbled attribute is left out: the order still counts, unjoined

        if (order.TryGetProperty("line_items", out var items))
        {
            if (items.ValueKind == JsonValueKind.Array)
            {
                var lines = new JsonArray();
                var index = 0;
                foreach (var item in items.EnumerateArray())
                    lines.Add(LineItem(item, $"lineItems[{index++}].", currency, errors));
                if (lines.Count > 0) body["lineItems"] = lines;
            }
            else body["lineItems"] = Copy(items); // the validator names what it is instead of an array
        }
        return errors.IsEmpty ? (body, errors) : (null, errors);
    }

    /// <summary>
    /// refunds/create → a refund body: the successful refund transactions of the refund, summed; no body and
    /// no errors when it refunds no money; no body and the errors when a transaction cannot be read, or the
    /// transactions are in more than one currency (one refund is one amount in one currency).
    /// </summary>
    public static (JsonObject? Body, FieldErrors Errors) RefundOf(JsonElement refund, string secret, string companyKey)
    {
        var errors = new FieldErrors();
        if (refund.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The body must be a JSON object (a Shopify refund).");
            return (null, errors);
        }

        decimal amount = 0;
        var refunded = new List<(string Field, decimal Amount)>();
        var currencies = new SortedSet<string>(StringComparer.Ordinal);
        if (refund.TryGetProperty("transactions", out var transactions) && transactions.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var t in transactions.EnumerateArray())
            {
                var prefix = $"transactions[{index++}].";
                var kind = Text(t, "kind", prefix + "kind", errors);
                var status = Text(t, "status", prefix + "status", errors);
                if (kind != "refund" || status is not (null or "success")) continue;
                if (Text(t, "currency", prefix + "currency", errors) is { } currency) currencies.Add(currency);
                if (TransactionAmount(t, prefix + "amount", errors) is not { } value) continue;
                // Each amount is at most IngestionLimits.MaxValue and a body is at most 1 MiB, so the sum cannot overflow.
                amount += value;
                refunded.Add((prefix + "amount", value));
            }
        }
        if (currencies.Count > 1)
            errors.Add("currency", $"The refund's transactions are in more than one currency ({string.Join(", ", currencies)}); a refund is one amount in one currency.",
                RejectionReasons.BadCurrency);
        else if (currencies.Count == 1 && Currencies.IsActive(currencies.Min!))
            // Checked per transaction: two amounts with too many decimals can sum to one that looks right (0.005 + 0.005).
            foreach (var (field, value) in refunded)
                if (Currencies.DecimalsOf(value) > Currencies.MinorUnitOf(currencies.Min!))
                    errors.Add(field, $"{field} has more decimals than {currencies.Min} allows ({Currencies.MinorUnitOf(currencies.Min!)}).", RejectionReasons.BadDecimals);
        if (!errors.IsEmpty) return (null, errors);
        if (amount == 0) return (null, errors); // a restock-only refund: nothing to subtract

        var refundId = Text(refund, "id", "refundId", errors);
        var body = new JsonObject
        {
            ["eventId"] = refundId is null ? null : ShopifyEventIds.Of(secret, companyKey, ShopifyEventIds.Refund, refundId).ToString(),
            ["refundId"] = refundId,
            ["orderId"] = Text(refund, "order_id", "orderId", errors),
            ["amount"] = amount,
            ["currency"] = currencies.Count == 1 ? currencies.Min : null,
            ["occurredAt"] = Text(refund, "created_at", "occurredAt", errors),
        };
        return errors.IsEmpty ? (body, errors) : (null, errors);
    }

    private static JsonNode? LineItem(JsonElement item, string prefix, string? currency, FieldErrors errors)
    {
        if (item.ValueKind != JsonValueKind.Object) return Copy(item); // the validator names the line item that is not an object
        return new JsonObject
        {
            ["productId"] = Text(item, "product_id", prefix + "productId", errors) ?? Text(item, "sku", prefix + "productId", errors)
                ?? Text(item, "variant_id", prefix + "productId", errors) ?? Text(item, "id", prefix + "productId", errors),
            ["productName"] = Text(item, "title", prefix + "productName", errors) ?? Text(item, "name", prefix + "productName", errors),
            ["quantity"] = Number(item, "quantity", prefix + "quantity", errors),
            ["value"] = Number(item, "price", prefix + "value", errors),
            ["currency"] = currency,
        };
    }

    /// <summary>A successful refund transaction's amount: a plain decimal (string or number) from 0 to the largest amount accepted.</summary>
    private static decimal? TransactionAmount(JsonElement transaction, string field, FieldErrors errors)
    {
        if (!transaction.TryGetProperty("amount", out var raw) || raw.ValueKind == JsonValueKind.Null)
        {
            errors.Add(field, $"{field} is required for a successful refund transaction.", RejectionReasons.MissingField);
            return null;
        }
        var text = raw.ValueKind switch
        {
            JsonValueKind.Number => raw.GetRawText(),
            JsonValueKind.String => TryGetString(raw, out var s) ? s : null,
            _ => null,
        };
        if (text is null || !PlainDecimal().IsMatch(text)
            || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            errors.Add(field, $"{field} must be a decimal amount such as 19.99.");
            return null;
        }
        if (amount < 0 || amount > IngestionLimits.MaxValue)
        {
            errors.Add(field, $"{field} must be between 0 and {IngestionLimits.MaxValue.ToString(CultureInfo.InvariantCulture)}.");
            return null;
        }
        return amount;
    }

    private static string? NoteAttribute(JsonElement order, string name)
    {
        if (!order.TryGetProperty("note_attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array) return null;
        foreach (var a in attributes.EnumerateArray())
            if (a.ValueKind == JsonValueKind.Object && a.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                && TryGetString(n, out var s) && s == name && a.TryGetProperty("value", out var v))
                return v.ValueKind switch
                {
                    JsonValueKind.String => TryGetString(v, out var value) ? value : null, // unreadable: left out, like a garbled one
                    JsonValueKind.Number => v.GetRawText(),
                    _ => null,
                };
        return null;
    }

    /// <summary>
    /// A field as text (Shopify sends ids as numbers, amounts as strings); null when absent or neither.
    /// A string that cannot be read (an escaped lone surrogate) is an error named <paramref name="field"/>.
    /// </summary>
    private static string? Text(JsonElement element, string name, string field, FieldErrors errors)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) return null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return value.GetRawText();
            case JsonValueKind.String:
                if (TryGetString(value, out var text)) return text;
                errors.Add(field, $"{name} is not valid Unicode text.");
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// An amount or quantity for the validator: a JSON number as it is, a string holding a plain decimal
    /// (Shopify's amounts) as that number, anything else as itself, so the validator names the field.
    /// </summary>
    private static JsonNode? Number(JsonElement element, string name, string field, FieldErrors errors)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.String) return Copy(value);
        if (!TryGetString(value, out var text))
        {
            errors.Add(field, $"{name} is not valid Unicode text.");
            return null;
        }
        return PlainDecimal().IsMatch(text!) ? JsonNode.Parse(text!) : JsonValue.Create(text);
    }

    /// <summary>A value's copy that is safe to serialize: numbers and booleans as they are, strings when readable, containers empty (only their kind matters to the validator).</summary>
    private static JsonNode? Copy(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => JsonNode.Parse(value.GetRawText()),
        JsonValueKind.True => JsonValue.Create(true),
        JsonValueKind.False => JsonValue.Create(false),
        JsonValueKind.String => TryGetString(value, out var text) ? JsonValue.Create(text) : null,
        JsonValueKind.Object => new JsonObject(),
        JsonValueKind.Array => new JsonArray(),
        _ => null,
    };

    /// <summary>The string, or false when it is valid JSON that is no valid string (an escaped lone surrogate).</summary>
    private static bool TryGetString(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>A JSON number without an exponent: how Shopify writes money; "1e5" or "1,000.00" is no amount.</summary>
    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PlainDecimal();

    private static JsonElement ToElement(JsonObject body) => JsonSerializer.SerializeToElement(body);
}
