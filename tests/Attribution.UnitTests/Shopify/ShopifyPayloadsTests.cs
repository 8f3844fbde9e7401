using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.Gateway.Shopify;

namespace Attribution.UnitTests.Shopify;

public sealed class ShopifyPayloadsTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Test]
    public void An_order_maps_to_a_checkout_with_its_fingerprints_and_line_items()
    {
        var body = ShopifyPayloads.CheckoutOf(Json("""
            { "id": 4501, "total_price": "59.98", "currency": "EUR", "test": false, "created_at": "2026-11-20T10:00:00+01:00",
              "note_attributes": [ { "name": "_attribution_fingerprint", "value": "fp_1" }, { "name": "_attribution_faq_fingerprint", "value": "bad value!" } ],
              "line_items": [ { "product_id": 77, "sku": "S", "title": "Socks", "quantity": 2, "price": "29.99" } ] }
            """), "ck");
        Assert.Multiple(() =>
        {
            Assert.That((string?)body["orderId"], Is.EqualTo("4501"));
            Assert.That((decimal?)body["value"], Is.EqualTo(59.98m));
            Assert.That((string?)body["userFingerprint"], Is.EqualTo("fp_1"));
            Assert.That(body.ContainsKey("userFaqFingerprint"), Is.False, "a garbled attribute is left out");
            Assert.That((string?)body["lineItems"]![0]!["productId"], Is.EqualTo("77"));
            Assert.That((string?)body["lineItems"]![0]!["currency"], Is.EqualTo("EUR"));
            Assert.That((string?)body["eventId"], Is.EqualTo((string?)ShopifyPayloads.CheckoutOf(Json("""{ "id": 4501 }"""), "ck")["eventId"]),
                "a retried delivery is the same event");
        });
    }

    [Test]
    public void A_refund_sums_its_successful_refund_transactions_and_a_restock_only_refund_is_nothing()
    {
        var refund = ShopifyPayloads.RefundOf(Json("""
            { "id": 9, "order_id": 4501, "created_at": "2026-11-20T12:00:00Z", "transactions": [
              { "kind": "refund", "status": "success", "amount": "10.00", "currency": "EUR" },
              { "kind": "refund", "status": "failure", "amount": "5.00", "currency": "EUR" },
              { "kind": "sale", "status": "success", "amount": "59.98", "currency": "EUR" } ] }
            """), "ck");
        Assert.That((decimal?)refund!["amount"], Is.EqualTo(10.00m));
        Assert.That((string?)refund["orderId"], Is.EqualTo("4501"));
        Assert.That(ShopifyPayloads.RefundOf(Json("""{ "id": 10, "order_id": 4501, "transactions": [] }"""), "ck"), Is.Null);
    }

    [Test]
    public void Only_the_base64_hmac_of_the_exact_body_under_the_secret_is_signed()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":1}""");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("secret"), body));
        Assert.That(ShopifyWebhookEndpoints.IsSigned(body, signature, "secret"), Is.True);
        Assert.That(ShopifyWebhookEndpoints.IsSigned(body, signature, "other"), Is.False);
        Assert.That(ShopifyWebhookEndpoints.IsSigned(Encoding.UTF8.GetBytes("""{"id":2}"""), signature, "secret"), Is.False);
        Assert.That(ShopifyWebhookEndpoints.IsSigned(body, "not base64!", "secret"), Is.False);
        Assert.That(ShopifyWebhookEndpoints.IsSigned(body, null, "secret"), Is.False);
    }
}
