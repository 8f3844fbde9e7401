using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Checkout;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Checkout;

public sealed class CheckoutValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    // The contract §3 example, as sent.
    private static JsonObject Valid() => new()
    {
        ["userFingerprint"] = "fp_1",
        ["orderId"] = "ORDER-7890",
        ["value"] = 199.97m,
        ["currency"] = "USD",
        ["lineItems"] = new JsonArray(
            new JsonObject
            {
                ["productId"] = "SKU-1234",
                ["productName"] = "Black Running Shoes",
                ["quantity"] = 1,
                ["value"] = 79.99m,
                ["currency"] = "USD",
            },
            new JsonObject
            {
                ["productId"] = "SKU-5678",
                ["productName"] = "Running Socks (2-pack)",
                ["quantity"] = 2,
                ["value"] = 59.99m,
                ["currency"] = "USD",
            }),
    };

    private static JsonObject LineItem(JsonObject body, int index) => body["lineItems"]![index]!.AsObject();

    private static (CheckoutCompleted? Message, FieldErrors Errors) Run(JsonNode body, string prefix = "")
    {
        using var doc = JsonDocument.Parse(body.ToJsonString());
        return CheckoutValidator.Validate(doc.RootElement, "ck_test", Now, prefix);
    }

    private static (CheckoutCompleted? Message, IReadOnlyDictionary<string, string[]> Errors) Validate(JsonNode body)
    {
        var (message, errors) = Run(body);
        return (message, errors.ToDictionary());
    }

    [Test]
    public void The_contract_example_is_accepted_as_sent()
    {
        var (message, errors) = Validate(Valid());

        Assert.That(errors, Is.Empty);
        Assert.That(message, Is.Not.Null);
        Assert.That(message!.CompanyKey, Is.EqualTo("ck_test"));
        Assert.That(message.UserFingerprint, Is.EqualTo("fp_1"));
        Assert.That(message.UserFaqFingerprint, Is.Null);
        Assert.That(message.OrderId, Is.EqualTo("ORDER-7890"));
        Assert.That(message.Value, Is.EqualTo(199.97m));
        Assert.That(message.Currency, Is.EqualTo("USD"));
        Assert.That(message.Test, Is.False);
        Assert.That(message.EventId, Is.Not.EqualTo(Guid.Empty));
        Assert.That(message.OccurredAt, Is.EqualTo(Now));
        Assert.That(message.ReceivedAt, Is.EqualTo(Now));
        Assert.That(message.LineItems, Is.EqualTo(new[]
        {
            new CheckoutLineItem("SKU-1234", "Black Running Shoes", 1, 79.99m, "USD"),
            new CheckoutLineItem("SKU-5678", "Running Socks (2-pack)", 2, 59.99m, "USD"),
        }));
    }

    [Test]
    public void A_given_event_id_and_occurred_at_are_kept()
    {
        var body = Valid();
        body["eventId"] = "5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f";
        body["occurredAt"] = "2026-11-21T10:00:00+01:00";

        var (message, _) = Validate(body);

        Assert.That(message!.EventId, Is.EqualTo(Guid.Parse("5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f")));
        Assert.That(message.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void A_checkout_with_no_fingerprint_at_all_is_valid()
    {
        var body = Valid();
        body.Remove("userFingerprint");

        var (message, errors) = Validate(body);

        Assert.That(errors, Is.Empty);
        Assert.That(message!.UserFingerprint, Is.Null);
        Assert.That(message.UserFaqFingerprint, Is.Null);
    }

    [Test]
    public void Either_fingerprint_or_both_are_carried_through()
    {
        var body = Valid();
        body["userFaqFingerprint"] = "faq_1";

        var (message, _) = Validate(body);

        Assert.That(message!.UserFingerprint, Is.EqualTo("fp_1"));
        Assert.That(message.UserFaqFingerprint, Is.EqualTo("faq_1"));
    }

    // Optional parts of a checkout: each may be left out (or sent as null) and the order is still recorded.
    private static IEnumerable<TestCaseData> OptionalFields()
    {
        yield return new TestCaseData("orderId", null).SetName("orderId left out");
        yield return new TestCaseData("orderId", "null").SetName("orderId null");
        yield return new TestCaseData("lineItems", null).SetName("lineItems left out");
        yield return new TestCaseData("lineItems", "[]").SetName("lineItems empty");
        yield return new TestCaseData("lineItems", "null").SetName("lineItems null");
        yield return new TestCaseData("test", null).SetName("test left out");
        yield return new TestCaseData("test", "false").SetName("test false");
        yield return new TestCaseData("value", "0").SetName("value zero for a free order");
        yield return new TestCaseData("value", "1000000000").SetName("value of exactly a billion");
        yield return new TestCaseData("orderId", $"\"{new string('x', 256)}\"").SetName("orderId of 256 chars");
        yield return new TestCaseData("userFingerprint", $"\"{new string('a', 128)}\"").SetName("fingerprint of 128 chars");
        yield return new TestCaseData("userFingerprint", "\"A-z_0.9:x\"").SetName("fingerprint using every allowed symbol");
    }

    [TestCaseSource(nameof(OptionalFields))]
    public void An_optional_field_may_be_left_out_or_sent_in_range(string field, string? json)
    {
        var body = Valid();
        if (json is null) body.Remove(field);
        else body[field] = JsonNode.Parse(json);

        var (message, errors) = Validate(body);

        Assert.That(errors, Is.Empty);
        Assert.That(message, Is.Not.Null);
    }

    [Test]
    public void An_order_without_line_items_has_an_empty_list()
    {
        var body = Valid();
        body.Remove("lineItems");

        Assert.That(Validate(body).Message!.LineItems, Is.Empty);
    }

    [Test]
    public void Test_true_marks_a_test_order()
    {
        var body = Valid();
        body["test"] = true;

        var (message, errors) = Validate(body);

        Assert.That(errors, Is.Empty);
        Assert.That(message!.Test, Is.True);
    }

    // field, bad value as JSON text (null = remove the field), expected error key, expected reason
    private static IEnumerable<TestCaseData> BadFields()
    {
        yield return new TestCaseData("value", null, "value", RejectionReasons.MissingField).SetName("value missing");
        yield return new TestCaseData("value", "null", "value", RejectionReasons.MissingField).SetName("value null");
        yield return new TestCaseData("value", "-0.01", "value", RejectionReasons.InvalidField).SetName("value negative");
        yield return new TestCaseData("value", "\"199.97\"", "value", RejectionReasons.InvalidField).SetName("value as a string");
        yield return new TestCaseData("value", "true", "value", RejectionReasons.InvalidField).SetName("value as a boolean");
        yield return new TestCaseData("value", "1000000000.01", "value", RejectionReasons.InvalidField).SetName("value over a billion");
        yield return new TestCaseData("value", "1.001", "value", RejectionReasons.BadDecimals).SetName("value with 3 decimals in USD");
        yield return new TestCaseData("currency", null, "currency", RejectionReasons.MissingField).SetName("currency missing");
        yield return new TestCaseData("currency", "\"usd\"", "currency", RejectionReasons.BadCurrency).SetName("currency lower case");
        yield return new TestCaseData("currency", "\"XYZ\"", "currency", RejectionReasons.BadCurrency).SetName("currency not ISO 4217");
        yield return new TestCaseData("currency", "\"US\"", "currency", RejectionReasons.BadCurrency).SetName("currency too short");
        yield return new TestCaseData("currency", "840", "currency", RejectionReasons.BadCurrency).SetName("currency as a numeric code");
        yield return new TestCaseData("orderId", "\"   \"", "orderId", RejectionReasons.InvalidField).SetName("orderId blank");
        yield return new TestCaseData("orderId", "\"\"", "orderId", RejectionReasons.InvalidField).SetName("orderId empty");
        yield return new TestCaseData("orderId", $"\"{new string('x', 257)}\"", "orderId", RejectionReasons.InvalidField).SetName("orderId over 256 chars");
        yield return new TestCaseData("orderId", "7890", "orderId", RejectionReasons.InvalidField).SetName("orderId as a number");
        yield return new TestCaseData("lineItems", "\"SKU-1234\"", "lineItems", RejectionReasons.InvalidField).SetName("lineItems a string");
        yield return new TestCaseData("lineItems", "{}", "lineItems", RejectionReasons.InvalidField).SetName("lineItems an object");
        yield return new TestCaseData("lineItems", "[\"SKU-1234\"]", "lineItems[0]", RejectionReasons.InvalidField).SetName("a line item that is not an object");
        yield return new TestCaseData("test", "\"true\"", "test", RejectionReasons.InvalidField).SetName("test as a string");
        yield return new TestCaseData("test", "1", "test", RejectionReasons.InvalidField).SetName("test as a number");
        yield return new TestCaseData("userFingerprint", "\"has space\"", "userFingerprint", RejectionReasons.InvalidField).SetName("fingerprint with a space");
        yield return new TestCaseData("userFingerprint", "\"fp/1\"", "userFingerprint", RejectionReasons.InvalidField).SetName("fingerprint with a slash");
        yield return new TestCaseData("userFingerprint", $"\"{new string('a', 129)}\"", "userFingerprint", RejectionReasons.InvalidField).SetName("fingerprint too long");
        yield return new TestCaseData("userFingerprint", "\"\"", "userFingerprint", RejectionReasons.InvalidField).SetName("fingerprint empty");
        yield return new TestCaseData("userFaqFingerprint", "\"faq 1\"", "userFaqFingerprint", RejectionReasons.InvalidField).SetName("FAQ fingerprint pattern");
        yield return new TestCaseData("eventId", "\"not-a-uuid\"", "eventId", RejectionReasons.InvalidField).SetName("eventId not a UUID");
        yield return new TestCaseData("occurredAt", "\"2026-11-21T10:00:00\"", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt without zone");
        yield return new TestCaseData("occurredAt", "\"2026-11-21T12:05:01Z\"", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt over 5 min ahead");
        yield return new TestCaseData("occurredAt", "\"2026-10-22T11:59:59Z\"", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt over 30 days ago");
        yield return new TestCaseData("orderId", "\"ORDER\\u00007890\"", "orderId", RejectionReasons.InvalidField).SetName("orderId with NUL");
        yield return new TestCaseData("orderId", "\"ORDER-7890\\n\"", "orderId", RejectionReasons.InvalidField).SetName("orderId with a newline");
        yield return new TestCaseData("value", "199.97000000000000000000000000001", "value", RejectionReasons.InvalidField).SetName("value rounded by decimal");
    }

    [TestCaseSource(nameof(BadFields))]
    public void A_bad_field_is_named_with_its_reason_and_nothing_is_accepted(string field, string? json, string expectedKey, string expectedReason)
    {
        var body = Valid();
        if (json is null) body.Remove(field);
        else body[field] = JsonNode.Parse(json);

        var (message, errors) = Run(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { expectedKey }));
        Assert.That(errors.ToDictionary()[expectedKey], Has.Length.GreaterThan(0));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { expectedReason }));
    }

    [TestCase("productId")]
    [TestCase("productName")]
    [TestCase("quantity")]
    [TestCase("value")]
    [TestCase("currency")]
    public void A_line_item_missing_one_of_its_five_fields_is_named_by_index(string field)
    {
        var body = Valid();
        LineItem(body, 1).Remove(field);

        var (message, errors) = Run(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { $"lineItems[1].{field}" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.MissingField }));
    }

    // line-item field, bad value as JSON text, expected reason; the error is on lineItems[0].<field>
    private static IEnumerable<TestCaseData> BadLineItemFields()
    {
        yield return new TestCaseData("productId", "\"\"", RejectionReasons.InvalidField).SetName("line item productId empty");
        yield return new TestCaseData("productId", "\"   \"", RejectionReasons.InvalidField).SetName("line item productId blank");
        yield return new TestCaseData("productId", $"\"{new string('x', 257)}\"", RejectionReasons.InvalidField).SetName("line item productId too long");
        yield return new TestCaseData("productId", "1234", RejectionReasons.InvalidField).SetName("line item productId a number");
        yield return new TestCaseData("productName", $"\"{new string('x', 513)}\"", RejectionReasons.InvalidField).SetName("line item productName too long");
        yield return new TestCaseData("quantity", "0", RejectionReasons.InvalidField).SetName("line item quantity zero");
        yield return new TestCaseData("quantity", "-1", RejectionReasons.InvalidField).SetName("line item quantity negative");
        yield return new TestCaseData("quantity", "1.5", RejectionReasons.InvalidField).SetName("line item quantity fractional");
        yield return new TestCaseData("quantity", "1000001", RejectionReasons.InvalidField).SetName("line item quantity over a million");
        yield return new TestCaseData("quantity", "\"1\"", RejectionReasons.InvalidField).SetName("line item quantity a string");
        yield return new TestCaseData("value", "-79.99", RejectionReasons.InvalidField).SetName("line item value negative");
        yield return new TestCaseData("value", "\"79.99\"", RejectionReasons.InvalidField).SetName("line item value a string");
        yield return new TestCaseData("value", "79.999", RejectionReasons.BadDecimals).SetName("line item value with 3 decimals in USD");
        yield return new TestCaseData("currency", "\"usd\"", RejectionReasons.BadCurrency).SetName("line item currency lower case");
        yield return new TestCaseData("currency", "\"XYZ\"", RejectionReasons.BadCurrency).SetName("line item currency not ISO 4217");
        yield return new TestCaseData("productName", "\"Running\\u0000Socks\"", RejectionReasons.InvalidField).SetName("line item productName with NUL");
        yield return new TestCaseData("productId", "\"SKU\\u007F\"", RejectionReasons.InvalidField).SetName("line item productId with DEL");
        yield return new TestCaseData("value", "59.99000000000000000000000000001", RejectionReasons.InvalidField).SetName("line item value rounded by decimal");
    }

    [TestCaseSource(nameof(BadLineItemFields))]
    public void A_bad_line_item_field_is_named_by_index(string field, string json, string expectedReason)
    {
        var body = Valid();
        LineItem(body, 0)[field] = JsonNode.Parse(json);

        var (message, errors) = Run(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { $"lineItems[0].{field}" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { expectedReason }));
    }

    [Test]
    public void A_line_item_in_another_currency_than_the_order_is_rejected()
    {
        var body = Valid();
        LineItem(body, 0)["currency"] = "EUR";

        var (message, errors) = Run(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "lineItems[0].currency" }));
        Assert.That(errors.ToDictionary()["lineItems[0].currency"][0], Does.Contain("USD"));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.LineItemCurrencyMismatch }));
    }

    [Test]
    public void Line_items_in_the_order_currency_are_fine_whatever_that_currency_is()
    {
        var body = Valid();
        body["currency"] = "EUR";
        LineItem(body, 0)["currency"] = "EUR";
        LineItem(body, 1)["currency"] = "EUR";

        var (message, errors) = Validate(body);

        Assert.That(errors, Is.Empty);
        Assert.That(message!.LineItems.Select(i => i.Currency), Is.All.EqualTo("EUR"));
    }

    [Test]
    public void A_bad_order_currency_is_named_once_and_not_blamed_on_the_line_items()
    {
        var body = Valid();
        body["currency"] = "usd";

        var (_, errors) = Run(body);

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "currency" }));
        Assert.That(errors.Reasons, Does.Not.Contain(RejectionReasons.LineItemCurrencyMismatch));
    }

    [Test]
    public void More_than_a_thousand_line_items_are_rejected()
    {
        var body = Valid();
        var items = new JsonArray();
        for (var i = 0; i < CheckoutValidator.MaxLineItems + 1; i++)
            items.Add(new JsonObject { ["productId"] = $"SKU-{i}", ["productName"] = "x", ["quantity"] = 1, ["value"] = 1, ["currency"] = "USD" });
        body["lineItems"] = items;

        Assert.That(Validate(body).Errors.Keys, Is.EquivalentTo(new[] { "lineItems" }));
    }

    [TestCase("JPY", "1500", true)]
    [TestCase("JPY", "1500.5", false)]
    [TestCase("JPY", "1500.0", true)] // trailing zeros add no precision
    [TestCase("USD", "1.001", false)]
    [TestCase("USD", "1.01", true)]
    [TestCase("USD", "79.990", true)]
    [TestCase("KWD", "12.345", true)]
    [TestCase("KWD", "12.3456", false)]
    public void Order_value_decimals_follow_the_currency_minor_unit(string currency, string value, bool ok)
    {
        var body = Valid();
        body.Remove("lineItems");
        body["currency"] = currency;
        body["value"] = JsonNode.Parse(value);

        var (message, errors) = Run(body);

        Assert.That(message is not null, Is.EqualTo(ok), string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value)));
        if (!ok)
        {
            Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "value" }));
            Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.BadDecimals }));
        }
    }

    [Test]
    public void A_JPY_line_item_with_a_fraction_of_a_yen_is_rejected()
    {
        var body = Valid();
        body["currency"] = "JPY";
        body["value"] = 1500;
        body["lineItems"] = new JsonArray(new JsonObject
        {
            ["productId"] = "SKU-1", ["productName"] = "Tea", ["quantity"] = 1, ["value"] = JsonNode.Parse("1500.5"), ["currency"] = "JPY",
        });

        var (_, errors) = Run(body);

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "lineItems[0].value" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.BadDecimals }));
    }

    [Test]
    public void Money_is_read_exactly_never_through_a_binary_float()
    {
        var body = Valid();
        body["value"] = JsonNode.Parse("0.30");
        body.Remove("lineItems");

        Assert.That(Validate(body).Message!.Value, Is.EqualTo(0.1m + 0.2m));
    }

    [Test]
    public void Every_bad_field_is_named_at_once()
    {
        var body = Valid();
        body["userFingerprint"] = "bad fp";
        body["orderId"] = "   ";
        body["value"] = "199.97";
        body["test"] = "yes";
        LineItem(body, 0)["currency"] = "EUR";
        LineItem(body, 1).Remove("productName");
        LineItem(body, 1)["quantity"] = 0;

        var (message, errors) = Run(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[]
        {
            "userFingerprint", "orderId", "value", "test",
            "lineItems[0].currency", "lineItems[1].productName", "lineItems[1].quantity",
        }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[]
        {
            RejectionReasons.InvalidField, RejectionReasons.LineItemCurrencyMismatch, RejectionReasons.MissingField,
        }));
    }

    [Test]
    public void A_prefix_is_put_before_every_error_key_including_line_items()
    {
        var body = Valid();
        body.Remove("value");
        LineItem(body, 0)["currency"] = "EUR";

        var (_, errors) = Run(body, "events[3].");

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "events[3].value", "events[3].lineItems[0].currency" }));
    }

    [TestCase("[]")]
    [TestCase("\"text\"")]
    [TestCase("42")]
    [TestCase("null")]
    public void A_body_that_is_not_an_object_is_rejected(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var (message, errors) = CheckoutValidator.Validate(doc.RootElement, "ck", Now);
        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));
    }

    [Test]
    public void Unknown_fields_are_ignored()
    {
        var body = Valid();
        body["kind"] = "checkout";
        body["coupon"] = "BLACKFRIDAY";

        Assert.That(Validate(body).Errors, Is.Empty);
    }
}
