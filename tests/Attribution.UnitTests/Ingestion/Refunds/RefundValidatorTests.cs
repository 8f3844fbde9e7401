using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Refunds;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Refunds;

public sealed class RefundValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    // The contract §3 example, as sent.
    private static JsonObject Valid() => new()
    {
        ["refundId"] = "R-1",
        ["orderId"] = "ORDER-7890",
        ["amount"] = 79.99m,
        ["currency"] = "USD",
    };

    private static (RefundRecorded? Message, FieldErrors Errors) Run(JsonNode body, string prefix = "")
    {
        using var doc = JsonDocument.Parse(body.ToJsonString());
        return RefundValidator.Validate(doc.RootElement, "ck_test", Now, prefix);
    }

    [Test]
    public void The_contract_example_is_accepted_as_sent()
    {
        var (message, errors) = Run(Valid());

        Assert.That(errors.ToDictionary(), Is.Empty);
        Assert.That(message, Is.Not.Null);
        Assert.That(message!.CompanyKey, Is.EqualTo("ck_test"));
        Assert.That(message.RefundId, Is.EqualTo("R-1"));
        Assert.That(message.OrderId, Is.EqualTo("ORDER-7890"));
        Assert.That(message.Amount, Is.EqualTo(79.99m));
        Assert.That(message.Currency, Is.EqualTo("USD"));
        Assert.That(message.EventId, Is.Not.EqualTo(Guid.Empty));
        Assert.That(message.OccurredAt, Is.EqualTo(Now));
        Assert.That(message.ReceivedAt, Is.EqualTo(Now));
    }

    [Test]
    public void A_given_event_id_and_occurred_at_are_kept()
    {
        var body = Valid();
        body["eventId"] = "5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f";
        body["occurredAt"] = "2026-11-20T08:30:00Z";

        var (message, _) = Run(body);

        Assert.That(message!.EventId, Is.EqualTo(Guid.Parse("5f0c6a3e-2b1d-4c7a-9e8f-0a1b2c3d4e5f")));
        Assert.That(message.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 20, 8, 30, 0, TimeSpan.Zero)));
    }

    [Test]
    public void A_refund_needs_no_fingerprint()
    {
        var body = Valid();
        body["userFingerprint"] = "fp_1"; // ignored, neither required nor checked

        Assert.That(Run(body).Message, Is.Not.Null);
    }

    // field, bad value as JSON text (null = remove the field), expected error key, expected reason
    private static IEnumerable<TestCaseData> BadFields()
    {
        yield return new TestCaseData("refundId", null, "refundId", RejectionReasons.MissingField).SetName("refundId missing");
        yield return new TestCaseData("refundId", "null", "refundId", RejectionReasons.MissingField).SetName("refundId null");
        yield return new TestCaseData("refundId", "\"\"", "refundId", RejectionReasons.InvalidField).SetName("refundId empty");
        yield return new TestCaseData("refundId", "\"  \"", "refundId", RejectionReasons.InvalidField).SetName("refundId blank");
        yield return new TestCaseData("refundId", $"\"{new string('r', 257)}\"", "refundId", RejectionReasons.InvalidField).SetName("refundId over 256 chars");
        yield return new TestCaseData("refundId", "1", "refundId", RejectionReasons.InvalidField).SetName("refundId a number");
        yield return new TestCaseData("orderId", null, "orderId", RejectionReasons.MissingField).SetName("orderId missing");
        yield return new TestCaseData("orderId", "\"\"", "orderId", RejectionReasons.InvalidField).SetName("orderId empty");
        yield return new TestCaseData("orderId", "\"   \"", "orderId", RejectionReasons.InvalidField).SetName("orderId blank");
        yield return new TestCaseData("orderId", $"\"{new string('o', 257)}\"", "orderId", RejectionReasons.InvalidField).SetName("orderId over 256 chars");
        yield return new TestCaseData("amount", null, "amount", RejectionReasons.MissingField).SetName("amount missing");
        yield return new TestCaseData("amount", "0", "amount", RejectionReasons.InvalidField).SetName("amount zero");
        yield return new TestCaseData("amount", "0.00", "amount", RejectionReasons.InvalidField).SetName("amount zero with decimals");
        yield return new TestCaseData("amount", "-79.99", "amount", RejectionReasons.InvalidField).SetName("amount negative");
        yield return new TestCaseData("amount", "\"79.99\"", "amount", RejectionReasons.InvalidField).SetName("amount a string");
        yield return new TestCaseData("amount", "1000000000.01", "amount", RejectionReasons.InvalidField).SetName("amount over a billion");
        yield return new TestCaseData("amount", "79.999", "amount", RejectionReasons.BadDecimals).SetName("amount with 3 decimals in USD");
        yield return new TestCaseData("currency", null, "currency", RejectionReasons.MissingField).SetName("currency missing");
        yield return new TestCaseData("currency", "\"usd\"", "currency", RejectionReasons.BadCurrency).SetName("currency lower case");
        yield return new TestCaseData("currency", "\"XYZ\"", "currency", RejectionReasons.BadCurrency).SetName("currency not ISO 4217");
        yield return new TestCaseData("eventId", "\"not-a-uuid\"", "eventId", RejectionReasons.InvalidField).SetName("eventId not a UUID");
        yield return new TestCaseData("occurredAt", "\"2026-10-22T11:59:59Z\"", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt over 30 days ago");
        yield return new TestCaseData("refundId", "\"R\\u00001\"", "refundId", RejectionReasons.InvalidField).SetName("refundId with NUL");
        yield return new TestCaseData("orderId", "\"ORDER\\t7890\"", "orderId", RejectionReasons.InvalidField).SetName("orderId with a tab");
        yield return new TestCaseData("amount", "79.99000000000000000000000000001", "amount", RejectionReasons.InvalidField).SetName("amount rounded by decimal");
        yield return new TestCaseData("amount", "1e-30", "amount", RejectionReasons.InvalidField).SetName("amount 1e-30 rounded to zero");
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
        Assert.That(errors.ToDictionary()[expectedKey], Has.Length.EqualTo(1), "one message per problem");
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { expectedReason }));
    }

    [TestCase("0.01")]
    [TestCase("1000000000")]
    public void The_smallest_and_largest_amounts_are_accepted(string amount)
    {
        var body = Valid();
        body["amount"] = JsonNode.Parse(amount);

        Assert.That(Run(body).Message!.Amount, Is.EqualTo(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase("JPY", "1500", true)]
    [TestCase("JPY", "1500.5", false)]
    [TestCase("JPY", "1", true)]
    [TestCase("USD", "1.001", false)]
    [TestCase("USD", "79.990", true)] // trailing zeros add no precision
    [TestCase("KWD", "12.345", true)]
    [TestCase("KWD", "12.3456", false)]
    [TestCase("KWD", "0.001", true)]
    public void Amount_decimals_follow_the_currency_minor_unit(string currency, string amount, bool ok)
    {
        var body = Valid();
        body["currency"] = currency;
        body["amount"] = JsonNode.Parse(amount);

        var (message, errors) = Run(body);

        Assert.That(message is not null, Is.EqualTo(ok), string.Join("; ", errors.ToDictionary().SelectMany(e => e.Value)));
        if (!ok) Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.BadDecimals }));
    }

    [Test]
    public void Every_bad_field_is_named_at_once()
    {
        var (message, errors) = Run(new JsonObject { ["orderId"] = "  ", ["amount"] = 0, ["currency"] = "dollars" });

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "refundId", "orderId", "amount", "currency" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[]
        {
            RejectionReasons.MissingField, RejectionReasons.InvalidField, RejectionReasons.BadCurrency,
        }));
    }

    [Test]
    public void An_empty_object_names_all_four_required_fields()
    {
        var (_, errors) = Run(new JsonObject());

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "refundId", "orderId", "amount", "currency" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.MissingField }));
    }

    [Test]
    public void A_prefix_is_put_before_every_error_key()
    {
        var body = Valid();
        body["amount"] = 0;
        body.Remove("refundId");

        var (_, errors) = Run(body, "events[0].");

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "events[0].refundId", "events[0].amount" }));
    }

    [TestCase("[]")]
    [TestCase("\"R-1\"")]
    [TestCase("79.99")]
    public void A_body_that_is_not_an_object_is_rejected(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var (message, errors) = RefundValidator.Validate(doc.RootElement, "ck", Now);
        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));
    }
}
