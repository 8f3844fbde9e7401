using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Cart;

namespace Attribution.UnitTests.Ingestion.Cart;

public sealed class CartEventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static JsonObject Valid() => new()
    {
        ["eventId"] = "5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f",
        ["userFingerprint"] = "fp_1",
        ["userFaqFingerprint"] = "faq_1",
        ["type"] = "ITEM_ADDED",
        ["productId"] = "SKU-1234",
        ["productName"] = "Black Running Shoes",
        ["value"] = 79.99m,
        ["currency"] = "USD",
        ["quantity"] = 1,
        ["occurredAt"] = "2026-11-21T10:00:00Z",
    };

    private static (CartEventReceived? Message, IReadOnlyDictionary<string, string[]> Errors) Validate(JsonNode body, bool total = false)
    {
        using var doc = JsonDocument.Parse(body.ToJsonString());
        var (message, errors) = CartEventValidator.Validate(doc.RootElement, "ck_test", total, Now);
        return (message, errors.ToDictionary());
    }

    [Test]
    public void The_contract_example_is_accepted_as_sent()
    {
        var (message, errors) = Validate(Valid());

        Assert.That(errors, Is.Empty);
        Assert.That(message, Is.Not.Null);
        Assert.That(message!.EventId, Is.EqualTo(Guid.Parse("5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f")));
        Assert.That(message.Type, Is.EqualTo(CartEventType.ITEM_ADDED));
        Assert.That(message.Value, Is.EqualTo(79.99m));
        Assert.That(message.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero)));
        Assert.That(message.ReceivedAt, Is.EqualTo(Now));
        Assert.That(message.CompanyKey, Is.EqualTo("ck_test"));
    }

    [Test]
    public void Missing_event_id_and_occurred_at_are_filled_in()
    {
        var body = Valid();
        body.Remove("eventId");
        body.Remove("occurredAt");

        var (message, _) = Validate(body);

        Assert.That(message!.EventId, Is.Not.EqualTo(Guid.Empty));
        Assert.That(message.OccurredAt, Is.EqualTo(Now));
    }

    // field, bad value (null = remove the field), expected error key
    private static IEnumerable<TestCaseData> BadFields()
    {
        yield return new TestCaseData("type", "item_added", "type").SetName("type is case-sensitive");
        yield return new TestCaseData("type", "ITEM_VIEWED", "type").SetName("unknown type");
        yield return new TestCaseData("type", null, "type").SetName("type missing");
        yield return new TestCaseData("productId", null, "productId").SetName("productId missing");
        yield return new TestCaseData("productId", "", "productId").SetName("productId empty");
        yield return new TestCaseData("productId", new string('x', 257), "productId").SetName("productId too long");
        yield return new TestCaseData("productName", null, "productName").SetName("productName missing");
        yield return new TestCaseData("productName", new string('x', 513), "productName").SetName("productName too long");
        yield return new TestCaseData("value", null, "value").SetName("value missing");
        yield return new TestCaseData("value", "79.99", "value").SetName("value as a string");
        yield return new TestCaseData("value", -1m, "value").SetName("value negative");
        yield return new TestCaseData("value", 1_000_000_000.01m, "value").SetName("value over a billion");
        yield return new TestCaseData("value", 79.999m, "value").SetName("value with 3 decimals in USD");
        yield return new TestCaseData("currency", "usd", "currency").SetName("currency lower case");
        yield return new TestCaseData("currency", "XYZ", "currency").SetName("currency not ISO 4217");
        yield return new TestCaseData("currency", "XAU", "currency").SetName("gold is no currency here");
        yield return new TestCaseData("currency", null, "currency").SetName("currency missing");
        yield return new TestCaseData("quantity", 0, "quantity").SetName("quantity zero as a change");
        yield return new TestCaseData("quantity", 1.5m, "quantity").SetName("quantity fractional");
        yield return new TestCaseData("quantity", 1_000_001, "quantity").SetName("quantity over a million");
        yield return new TestCaseData("quantity", null, "quantity").SetName("quantity missing");
        yield return new TestCaseData("userFingerprint", "has space", "userFingerprint").SetName("fingerprint pattern");
        yield return new TestCaseData("userFingerprint", new string('a', 129), "userFingerprint").SetName("fingerprint too long");
        yield return new TestCaseData("eventId", "not-a-uuid", "eventId").SetName("eventId not a UUID");
        yield return new TestCaseData("occurredAt", "yesterday", "occurredAt").SetName("occurredAt not RFC 3339");
        yield return new TestCaseData("occurredAt", "2026-11-21T10:00:00", "occurredAt").SetName("occurredAt without zone");
        yield return new TestCaseData("occurredAt", "2026-11-21T12:05:01Z", "occurredAt").SetName("occurredAt over 5 min ahead");
        yield return new TestCaseData("occurredAt", "2026-10-22T11:59:59Z", "occurredAt").SetName("occurredAt over 30 days ago");
        yield return new TestCaseData("productName", "Shoes\0", "productName").SetName("productName with NUL");
        yield return new TestCaseData("productName", "Black\tShoes", "productName").SetName("productName with a tab");
        yield return new TestCaseData("productName", "Black\nShoes", "productName").SetName("productName with a newline");
        yield return new TestCaseData("productName", "Shoes\u001B[31m", "productName").SetName("productName with an escape sequence");
        yield return new TestCaseData("productId", "SKU\u00851", "productId").SetName("productId with a C1 control");
        yield return new TestCaseData("userFingerprint", "fp\01", "userFingerprint").SetName("fingerprint with NUL");
        yield return new TestCaseData("eventId", "5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f\0", "eventId").SetName("eventId with NUL");
    }

    [TestCaseSource(nameof(BadFields))]
    public void A_bad_field_is_named_and_nothing_is_accepted(string field, object? bad, string expectedKey)
    {
        var body = Valid();
        if (bad is null) body.Remove(field);
        else body[field] = JsonValue.Create(bad);

        var (message, errors) = Validate(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.Keys, Is.EquivalentTo(new[] { expectedKey }));
        Assert.That(errors[expectedKey], Has.Length.GreaterThan(0));
    }

    [Test]
    public void Every_bad_field_is_named_at_once()
    {
        var body = Valid();
        body["type"] = "added";
        body["currency"] = "dollars";
        body["quantity"] = -2;
        body.Remove("productName");

        var (_, errors) = Validate(body);

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "type", "currency", "quantity", "productName" }));
        Assert.That(errors["type"][0], Does.Contain("ITEM_ADDED, QUANTITY_INCREASED, QUANTITY_DECREASED, ITEM_REMOVED"));
    }

    [Test]
    public void At_least_one_fingerprint_is_required_and_either_one_is_enough()
    {
        var none = Valid();
        none.Remove("userFingerprint");
        none.Remove("userFaqFingerprint");
        var faqOnly = Valid();
        faqOnly.Remove("userFingerprint");

        Assert.That(Validate(none).Errors.Keys, Is.EquivalentTo(new[] { "userFingerprint" }));
        Assert.That(Validate(faqOnly).Message!.UserFaqFingerprint, Is.EqualTo("faq_1"));
    }

    [TestCase("JPY", "1500", true)]
    [TestCase("JPY", "1500.5", false)]
    [TestCase("KWD", "12.345", true)]
    [TestCase("KWD", "12.3456", false)]
    [TestCase("USD", "79.990", true)] // trailing zeros add no precision
    public void Decimals_follow_the_currency_minor_unit(string currency, string value, bool ok)
    {
        var body = Valid();
        body["currency"] = currency;
        body["value"] = JsonNode.Parse(value);

        var (message, errors) = Validate(body);

        Assert.That(message is not null, Is.EqualTo(ok), string.Join("; ", errors.SelectMany(e => e.Value)));
    }

    // field, JSON number that decimal can only hold rounded
    [TestCase("value", "1.000000000000000000000000000001", TestName = "value with 30 decimals (rounds to 1.00)")]
    [TestCase("value", "79.99000000000000000000000000001", TestName = "value 79.99 and a digit beyond decimal")]
    [TestCase("value", "1e-30", TestName = "value 1e-30 (rounds to 0)")]
    [TestCase("quantity", "1.0000000000000000000000000000001", TestName = "quantity whole only once rounded")]
    public void A_number_decimal_can_only_round_is_refused_not_rounded(string field, string json)
    {
        var body = Valid();
        body[field] = JsonNode.Parse(json);

        var (message, errors) = Validate(body);

        Assert.That(message, Is.Null);
        Assert.That(errors.Keys, Is.EquivalentTo(new[] { field }));
        Assert.That(errors[field][0], Does.Contain("more digits than can be represented exactly"));
    }

    [TestCase("79.99E0")]
    [TestCase("7999e-2")]
    [TestCase("79.9900000000000000000000")]
    public void Exponent_notation_and_trailing_zeros_are_the_same_amount(string json)
    {
        var body = Valid();
        body["value"] = JsonNode.Parse(json);

        Assert.That(Validate(body).Message!.Value, Is.EqualTo(79.99m));
    }

    [Test]
    public void Money_is_read_exactly_never_through_a_binary_float()
    {
        var body = Valid();
        body["value"] = JsonNode.Parse("0.10");
        body["quantity"] = 3;

        var (message, _) = Validate(body);

        Assert.That(message!.Value * message.Quantity, Is.EqualTo(0.30m));
    }

    [Test]
    public void In_total_quantity_mode_zero_is_a_valid_quantity()
    {
        var body = Valid();
        body["quantity"] = 0;

        Assert.That(Validate(body, total: true).Message!.Quantity, Is.Zero);
        Assert.That(Validate(body, total: false).Errors.Keys, Is.EquivalentTo(new[] { "quantity" }));
    }

    [TestCase("[]")]
    [TestCase("\"text\"")]
    [TestCase("42")]
    public void A_body_that_is_not_an_object_is_rejected(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var (message, errors) = CartEventValidator.Validate(doc.RootElement, "ck", false, Now);
        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));
    }
}
