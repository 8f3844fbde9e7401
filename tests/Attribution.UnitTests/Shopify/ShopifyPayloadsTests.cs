using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Attribution.Gateway.Http;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Gateway.Shopify;
using CsCheck;

namespace Attribution.UnitTests.Shopify;

public sealed class ShopifyPayloadsTests
{
    private const string Secret = "shpss_secret";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    /// <summary>A valid order with one line item; <paramref name="total"/>, <paramref name="quantity"/> and <paramref name="price"/> are JSON text.</summary>
    private static JsonElement Order(string total = "\"59.98\"", string quantity = "2", string price = "\"29.99\"", string title = "\"Socks\"") => Json($$"""
        { "id": 4501, "total_price": {{total}}, "currency": "EUR", "created_at": "2026-11-20T10:00:00+01:00",
          "line_items": [ { "product_id": 77, "title": {{title}}, "quantity": {{quantity}}, "price": {{price}} } ] }
        """);

    private static JsonElement Refund(params (string Amount, string Currency)[] transactions) => Json($$"""
        { "id": 9, "order_id": 4501, "created_at": "2026-11-20T11:00:00Z", "transactions": [
          {{string.Join(", ", transactions.Select(t => $$"""{ "kind": "refund", "status": "success", "amount": {{t.Amount}}, "currency": "{{t.Currency}}" }"""))}} ] }
        """);

    private static IReadOnlyDictionary<string, string[]> OrderErrors(JsonElement order)
    {
        var (message, errors) = ShopifyPayloads.ReadOrder(order, Secret, "ck", Now);
        Assert.That(message, Is.Null, "rejected");
        return errors.ToDictionary();
    }

    private static IReadOnlyDictionary<string, string[]> RefundErrors(JsonElement refund)
    {
        var (message, errors) = ShopifyPayloads.ReadRefund(refund, Secret, "ck", Now);
        Assert.That(message, Is.Null, "rejected");
        return errors.ToDictionary();
    }

    [Test]
    public void An_order_maps_to_a_checkout_with_its_fingerprints_and_line_items()
    {
        var (body, errors) = ShopifyPayloads.CheckoutOf(Json("""
            { "id": 4501, "total_price": "59.98", "currency": "EUR", "test": false, "created_at": "2026-11-20T10:00:00+01:00",
              "note_attributes": [ { "name": "_attribution_fingerprint", "value": "fp_1" }, { "name": "_attribution_faq_fingerprint", "value": "bad value!" } ],
              "line_items": [ { "product_id": 77, "sku": "S", "title": "Socks", "quantity": 2, "price": "29.99" } ] }
            """), Secret, "ck");
        Assert.That(errors.IsEmpty, Is.True);
        Assert.Multiple(() =>
        {
            Assert.That((string?)body!["orderId"], Is.EqualTo("4501"));
            Assert.That((decimal?)body["value"], Is.EqualTo(59.98m));
            Assert.That((string?)body["userFingerprint"], Is.EqualTo("fp_1"));
            Assert.That(body.ContainsKey("userFaqFingerprint"), Is.False, "a garbled attribute is left out");
            Assert.That((string?)body["lineItems"]![0]!["productId"], Is.EqualTo("77"));
            Assert.That((string?)body["lineItems"]![0]!["currency"], Is.EqualTo("EUR"));
            Assert.That((string?)body["eventId"], Is.EqualTo(ShopifyEventIds.Of(Secret, "ck", ShopifyEventIds.Order, "4501").ToString()),
                "the id only the webhook secret's holder can derive");
            Assert.That((string?)body["eventId"], Is.EqualTo((string?)ShopifyPayloads.CheckoutOf(Json("""{ "id": 4501 }"""), Secret, "ck").Body!["eventId"]),
                "a retried delivery is the same event");
        });
    }

    [Test]
    public void A_valid_order_reads_as_a_checkout_marked_as_shopify_s_verified_copy()
    {
        var (message, errors) = ShopifyPayloads.ReadOrder(Order(), Secret, "ck", Now);
        Assert.That(errors.IsEmpty, Is.True, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        Assert.Multiple(() =>
        {
            Assert.That(message!.Source, Is.EqualTo("shopify"));
            Assert.That(message.EventId, Is.EqualTo(ShopifyEventIds.Of(Secret, "ck", ShopifyEventIds.Order, "4501")));
            Assert.That(message.Value, Is.EqualTo(59.98m));
            Assert.That(message.LineItems.Single().Quantity, Is.EqualTo(2));
        });
    }

    [TestCase("2.5", "whole number", TestName = "A fractional quantity is rejected naming it")]
    [TestCase("3000000000", "between", TestName = "A quantity beyond an int is rejected naming it")]
    [TestCase("99999999999999999999999999999999999", "finite number", TestName = "A quantity beyond a decimal is rejected naming it")]
    [TestCase("1e400", "finite number", TestName = "A quantity beyond a double is rejected naming it")]
    [TestCase("\"2.5\"", "whole number", TestName = "A fractional quantity written as a string is rejected naming it")]
    [TestCase("\"two\"", "finite number", TestName = "A quantity as a word is rejected naming it")]
    [TestCase("[2]", "finite number", TestName = "A quantity as an array is rejected naming it")]
    public void An_unreadable_quantity_is_rejected_naming_it(string quantity, string message) =>
        Assert.That(OrderErrors(Order(quantity: quantity))["lineItems[0].quantity"], Has.Some.Contains(message));

    [TestCase("\"1000000000.01\"", TestName = "A total over the largest amount is rejected naming it")]
    [TestCase("\"79228162514264337593543950335\"", TestName = "A total at decimal's largest is rejected naming it")]
    [TestCase("\"99999999999999999999999999999999999\"", TestName = "A total beyond a decimal is rejected naming it")]
    [TestCase("\"1e5\"", TestName = "A total in exponent form is rejected naming it")]
    [TestCase("\"1.2E+3\"", TestName = "A total in signed exponent form is rejected naming it")]
    [TestCase("1e400", TestName = "A total beyond a double is rejected naming it")]
    [TestCase("\"-5.00\"", TestName = "A negative total is rejected naming it")]
    [TestCase("\"59.985\"", TestName = "A total with more decimals than its currency is rejected naming it")]
    [TestCase("\"1,000.00\"", TestName = "A total with a thousands separator is rejected naming it")]
    [TestCase("{}", TestName = "A total as an object is rejected naming it")]
    public void An_unreadable_total_is_rejected_naming_it(string total) =>
        Assert.That(OrderErrors(Order(total: total)).Keys, Does.Contain("value"));

    [Test]
    public void A_line_item_price_beyond_a_decimal_is_rejected_naming_it() =>
        Assert.That(OrderErrors(Order(price: "\"99999999999999999999999999999999999\"")).Keys, Does.Contain("lineItems[0].value"));

    [TestCase("[]")]
    [TestCase("[{ \"id\": 4501 }]")]
    [TestCase("\"order\"")]
    [TestCase("4501")]
    [TestCase("null")]
    public void A_body_that_is_not_an_object_is_rejected_naming_the_body(string json)
    {
        Assert.That(OrderErrors(Json(json)).Keys, Is.EqualTo(new[] { "body" }));
        Assert.That(RefundErrors(Json(json)).Keys, Is.EqualTo(new[] { "body" }));
    }

    [Test]
    public void An_order_without_its_id_is_rejected_as_it_could_not_be_told_from_its_retries()
    {
        var errors = ShopifyPayloads.ReadOrder(Json("""{ "total_price": "1.00", "currency": "USD" }"""), Secret, "ck", Now).Errors;
        Assert.That(errors.ToDictionary().Keys, Does.Contain("orderId"));
        Assert.That(errors.Reasons, Does.Contain(RejectionReasons.MissingField));
    }

    [Test]
    public void Text_that_is_valid_json_but_no_valid_string_is_rejected_naming_it_never_thrown()
    {
        Assert.That(OrderErrors(Order(title: "\"Socks \\ud800\"")).Keys, Does.Contain("lineItems[0].productName"));
        Assert.That(RefundErrors(Json("""{ "id": 9, "order_id": 1, "transactions": [ { "kind": "\udc00", "amount": "1.00", "currency": "USD" } ] }""")).Keys,
            Does.Contain("transactions[0].kind"));
        var (body, _) = ShopifyPayloads.CheckoutOf(Json("""
            { "id": 1, "total_price": "1.00", "currency": "USD", "note_attributes": [ { "name": "_attribution_fingerprint", "value": "\ud800" } ] }
            """), Secret, "ck");
        Assert.That(body!.ContainsKey("userFingerprint"), Is.False, "an unreadable attribute is left out, like a garbled one");
    }

    [Test]
    public void A_refund_sums_its_successful_refund_transactions_and_a_restock_only_refund_is_nothing()
    {
        var (refund, errors) = ShopifyPayloads.RefundOf(Json("""
            { "id": 9, "order_id": 4501, "created_at": "2026-11-20T12:00:00Z", "transactions": [
              { "kind": "refund", "status": "success", "amount": "10.00", "currency": "EUR" },
              { "kind": "refund", "status": "failure", "amount": "5.00", "currency": "EUR" },
              { "kind": "sale", "status": "success", "amount": "59.98", "currency": "EUR" } ] }
            """), Secret, "ck");
        Assert.That(errors.IsEmpty, Is.True);
        Assert.That((decimal?)refund!["amount"], Is.EqualTo(10.00m));
        Assert.That((string?)refund["orderId"], Is.EqualTo("4501"));
        Assert.That((string?)refund["eventId"], Is.EqualTo(ShopifyEventIds.Of(Secret, "ck", ShopifyEventIds.Refund, "9").ToString()));
        var (none, noErrors) = ShopifyPayloads.RefundOf(Json("""{ "id": 10, "order_id": 4501, "transactions": [] }"""), Secret, "ck");
        Assert.That(none, Is.Null, "a restock-only refund returns no money");
        Assert.That(noErrors.IsEmpty, Is.True, "and is no error either");
    }

    [Test]
    public void A_refund_whose_transactions_would_overflow_a_decimal_is_rejected_naming_each_amount()
    {
        var errors = RefundErrors(Refund(("\"79228162514264337593543950335\"", "USD"), ("\"79228162514264337593543950335\"", "USD")));
        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "transactions[0].amount", "transactions[1].amount" }));
    }

    [Test]
    public void A_refund_whose_transactions_sum_over_the_largest_amount_is_rejected_naming_the_amount() =>
        Assert.That(RefundErrors(Refund(("\"600000000.00\"", "USD"), ("600000000.00", "USD"))).Keys, Does.Contain("amount"));

    [TestCase("\"1e3\"")]
    [TestCase("1e400")]
    [TestCase("\"-1.00\"")]
    [TestCase("\"ten\"")]
    [TestCase("null")]
    [TestCase("[1]")]
    public void A_refund_transaction_amount_that_is_no_amount_is_rejected_naming_it(string amount) =>
        Assert.That(RefundErrors(Refund((amount, "USD"))).Keys, Is.EqualTo(new[] { "transactions[0].amount" }));

    [Test]
    public void A_refund_in_two_currencies_is_rejected_never_summed_as_one()
    {
        var (message, errors) = ShopifyPayloads.ReadRefund(Refund(("\"10.00\"", "USD"), ("\"10.00\"", "EUR")), Secret, "ck", Now);
        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary()["currency"].Single(), Does.Contain("EUR, USD"));
        Assert.That(errors.Reasons, Does.Contain(RejectionReasons.BadCurrency));
    }

    [Test]
    public void Refund_amounts_with_too_many_decimals_are_rejected_even_when_their_sum_looks_right() =>
        Assert.That(RefundErrors(Refund(("\"0.005\"", "USD"), ("\"0.005\"", "USD"))).Keys,
            Is.EquivalentTo(new[] { "transactions[0].amount", "transactions[1].amount" }));

    /// <summary>
    /// Whatever values a signed payload holds where Shopify puts ids, amounts, quantities and text,
    /// reading it never throws: it is an event, or errors that name at least one field.
    /// </summary>
    [Test]
    public void No_payload_throws_each_reads_as_an_event_or_named_errors()
    {
        var values = Gen.OneOf(
            "1", "2", "2.5", "0", "-1", "3000000000", "1e5", "1e400", "99999999999999999999999999999999999", "79228162514264337593543950335",
            "\"29.99\"", "\"1e5\"", "\"-0.5\"", "\"79228162514264337593543950335\"", "\"\"", "\"USD\"", "\"EUR\"", "\"refund\"", "\"success\"",
            "\"2026-11-20T10:00:00Z\"", "\"x\\ud800\"", "null", "true", "[]", "[1, {}]", "{}", "{ \"a\": [\"\\udfff\"] }");
        values.Array[14].Sample(v =>
        {
            var order = $$"""
                { "id": {{v[0]}}, "total_price": {{v[1]}}, "currency": {{v[2]}}, "created_at": {{v[3]}}, "test": {{v[4]}},
                  "note_attributes": [ { "name": "_attribution_fingerprint", "value": {{v[5]}} }, {{v[6]}} ],
                  "line_items": [ { "product_id": {{v[7]}}, "title": {{v[8]}}, "quantity": {{v[9]}}, "price": {{v[10]}} }, {{v[11]}} ] }
                """;
            foreach (var json in new[] { order, v[12], $$"""{ "line_items": {{v[13]}} }""" })
            {
                var (message, errors) = ShopifyPayloads.ReadOrder(Json(json), Secret, "ck", Now);
                Assert.That(message is null, Is.EqualTo(!errors.IsEmpty), json);
            }
            var refund = $$"""
                { "id": {{v[0]}}, "order_id": {{v[7]}}, "created_at": {{v[3]}}, "transactions": [
                  { "kind": {{v[4]}}, "status": {{v[5]}}, "amount": {{v[1]}}, "currency": {{v[2]}} },
                  { "kind": "refund", "amount": {{v[10]}}, "currency": {{v[6]}} }, {{v[11]}} ] }
                """;
            foreach (var json in new[] { refund, v[12], $$"""{ "transactions": {{v[13]}} }""" })
            {
                var (message, errors) = ShopifyPayloads.ReadRefund(Json(json), Secret, "ck", Now);
                Assert.That(message is not null && !errors.IsEmpty, Is.False, json);
            }
        }, iter: 3000);
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

    [Test]
    public void Whatever_the_json_parser_refuses_is_named_as_the_body_or_the_fields_it_named()
    {
        var (_, malformed) = JsonBody.Parse(Encoding.UTF8.GetBytes("{ \"id\": "));
        var errors = ShopifyWebhookEndpoints.UnparsableBody(malformed);
        Assert.That(errors.ToDictionary().Keys, Is.EqualTo(new[] { "body" }));
        Assert.That(errors.Reasons, Is.EqualTo(new[] { RejectionReasons.MalformedJson }));

        var named = ShopifyWebhookEndpoints.UnparsableBody(Problems.Validation(
            new Dictionary<string, string[]> { ["productName"] = ["productName must be valid Unicode text."] }));
        Assert.That(named.ToDictionary()["productName"], Is.EqualTo(new[] { "productName must be valid Unicode text." }));
        Assert.That(ShopifyWebhookEndpoints.UnparsableBody(null).ToDictionary().Keys, Is.EqualTo(new[] { "body" }));
    }
}
