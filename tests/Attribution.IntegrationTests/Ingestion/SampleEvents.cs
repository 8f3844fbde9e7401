namespace Attribution.IntegrationTests.Ingestion;

/// <summary>Bodies from contract §3, with a fresh eventId each time.</summary>
public static class SampleEvents
{
    public static Dictionary<string, object?> Cart(string fingerprint = "fp_1", Guid? eventId = null) => new()
    {
        ["eventId"] = (eventId ?? Guid.NewGuid()).ToString(),
        ["userFingerprint"] = fingerprint,
        ["userFaqFingerprint"] = "faq_1",
        ["type"] = "ITEM_ADDED",
        ["productId"] = "SKU-1234",
        ["productName"] = "Black Running Shoes",
        ["value"] = 79.99m,
        ["currency"] = "USD",
        ["quantity"] = 1,
    };

    public static Dictionary<string, object?> Checkout(string fingerprint = "fp_1", string? orderId = null, Guid? eventId = null) => new()
    {
        ["eventId"] = (eventId ?? Guid.NewGuid()).ToString(),
        ["userFingerprint"] = fingerprint,
        ["orderId"] = orderId ?? "ORDER-" + Guid.NewGuid().ToString("N")[..8],
        ["value"] = 199.97m,
        ["currency"] = "USD",
        ["lineItems"] = new object[]
        {
            new { productId = "SKU-1234", productName = "Black Running Shoes", quantity = 1, value = 79.99m, currency = "USD" },
            new { productId = "SKU-5678", productName = "Running Socks (2-pack)", quantity = 2, value = 59.99m, currency = "USD" },
        },
    };

    public static Dictionary<string, object?> Interaction(string fingerprint = "fp_1", Guid? eventId = null) => new()
    {
        ["eventId"] = (eventId ?? Guid.NewGuid()).ToString(),
        ["userFingerprint"] = fingerprint,
        ["channel"] = "CHAT",
        ["kind"] = "SHOPPER_MESSAGE",
        ["conversationId"] = "conv_42",
        ["text"] = "running shoes for flat feet?",
        ["variant"] = "B",
    };

    public static Dictionary<string, object?> Refund(string orderId = "ORDER-7890", Guid? eventId = null) => new()
    {
        ["eventId"] = (eventId ?? Guid.NewGuid()).ToString(),
        ["refundId"] = "R-" + Guid.NewGuid().ToString("N")[..8],
        ["orderId"] = orderId,
        ["amount"] = 79.99m,
        ["currency"] = "USD",
    };

    public static Guid IdOf(Dictionary<string, object?> body) => Guid.Parse((string)body["eventId"]!);
}
