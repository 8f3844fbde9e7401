using System.Text.Json;
using System.Text.Json.Nodes;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Interactions;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Interactions;

public sealed class InteractionValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    // The contract §3 example, as sent.
    private static JsonObject Valid() => new()
    {
        ["userFingerprint"] = "fp_1",
        ["channel"] = "CHAT",
        ["kind"] = "SHOPPER_MESSAGE",
        ["conversationId"] = "conv_42",
        ["text"] = "running shoes for flat feet?",
        ["variant"] = "B",
        ["occurredAt"] = "2026-11-21T09:00:00Z",
    };

    private static (InteractionRecorded? Message, FieldErrors Errors) Run(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return InteractionValidator.Validate(doc.RootElement, "ck_test", Now);
    }

    private static (InteractionRecorded? Message, IReadOnlyDictionary<string, string[]> Errors) Validate(JsonNode body)
    {
        var (message, errors) = Run(body.ToJsonString());
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
        Assert.That(message.Channel, Is.EqualTo(InteractionChannel.CHAT));
        Assert.That(message.Kind, Is.EqualTo(InteractionKind.SHOPPER_MESSAGE));
        Assert.That(message.ConversationId, Is.EqualTo("conv_42"));
        Assert.That(message.Text, Is.EqualTo("running shoes for flat feet?"));
        Assert.That(message.Variant, Is.EqualTo("B"));
        Assert.That(message.Helpful, Is.Null);
        Assert.That(message.NudgeId, Is.Null);
        Assert.That(message.EventId, Is.Not.EqualTo(Guid.Empty));
        Assert.That(message.OccurredAt, Is.EqualTo(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero)));
        Assert.That(message.ReceivedAt, Is.EqualTo(Now));
    }

    // The smallest body each channel/kind needs.
    [TestCase("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", TestName = "WIDGET_LOADED in CHAT minimal")]
    [TestCase("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFaqFingerprint":"faq_1"}""", TestName = "WIDGET_LOADED in FAQ minimal")]
    [TestCase("""{"channel":"NUDGE","kind":"NUDGE_SHOWN","userFingerprint":"fp_1"}""", TestName = "NUDGE_SHOWN minimal")]
    [TestCase("""{"channel":"NUDGE","kind":"NUDGE_CLICKED","userFingerprint":"fp_1","nudgeId":"n_1"}""", TestName = "NUDGE_CLICKED with nudgeId")]
    [TestCase("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":"hi"}""", TestName = "SHOPPER_MESSAGE in CHAT")]
    [TestCase("""{"channel":"FAQ","kind":"SHOPPER_MESSAGE","userFaqFingerprint":"faq_1","conversationId":"c","text":"hi"}""", TestName = "SHOPPER_MESSAGE in FAQ")]
    [TestCase("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"c","helpful":true}""", TestName = "ASSISTANT_ANSWER helpful")]
    [TestCase("""{"channel":"FAQ","kind":"ASSISTANT_ANSWER","userFaqFingerprint":"faq_1","conversationId":"c","helpful":false}""", TestName = "ASSISTANT_ANSWER not helpful")]
    [TestCase("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFaqFingerprint":"faq_1","userFingerprint":"fp_1"}""", TestName = "FAQ with both fingerprints")]
    [TestCase("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","variant":"control"}""", TestName = "variant given")]
    public void A_minimal_body_for_each_kind_is_accepted(string json)
    {
        var (message, errors) = Run(json);

        Assert.That(errors.ToDictionary(), Is.Empty);
        Assert.That(message, Is.Not.Null);
    }

    [Test]
    public void The_kind_specific_fields_are_carried_through()
    {
        var answer = Run("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"conv_42","helpful":false}""").Message!;
        var click = Run("""{"channel":"NUDGE","kind":"NUDGE_CLICKED","userFingerprint":"fp_1","nudgeId":"nudge_7","variant":"A"}""").Message!;
        var faq = Run("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFaqFingerprint":"faq_1"}""").Message!;

        Assert.That(answer.Helpful, Is.False);
        Assert.That(answer.ConversationId, Is.EqualTo("conv_42"));
        Assert.That(click.Kind, Is.EqualTo(InteractionKind.NUDGE_CLICKED));
        Assert.That(click.Channel, Is.EqualTo(InteractionChannel.NUDGE));
        Assert.That(click.NudgeId, Is.EqualTo("nudge_7"));
        Assert.That(click.Variant, Is.EqualTo("A"));
        Assert.That(faq.Channel, Is.EqualTo(InteractionChannel.FAQ));
        Assert.That(faq.UserFaqFingerprint, Is.EqualTo("faq_1"));
        Assert.That(faq.UserFingerprint, Is.Null);
        Assert.That(faq.Variant, Is.Null);
    }

    [TestCase("WIDGET_LOADED")]
    [TestCase("NUDGE_SHOWN")]
    [TestCase("NUDGE_CLICKED")]
    public void Kinds_other_than_messages_and_answers_need_no_conversation(string kind)
    {
        var (message, errors) = Run($$"""{"channel":"NUDGE","kind":"{{kind}}","userFingerprint":"fp_1","nudgeId":"n_1"}""");

        Assert.That(errors.ToDictionary(), Is.Empty);
        Assert.That(message!.ConversationId, Is.Null);
    }

    // body as JSON, the only expected error key, its reason
    private static IEnumerable<TestCaseData> BadBodies()
    {
        // Channel and kind: required, exact, case-sensitive.
        yield return new TestCaseData("""{"kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "channel", RejectionReasons.MissingField).SetName("channel missing");
        yield return new TestCaseData("""{"channel":null,"kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "channel", RejectionReasons.MissingField).SetName("channel null");
        yield return new TestCaseData("""{"channel":"chat","kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "channel", RejectionReasons.InvalidField).SetName("channel lower case");
        yield return new TestCaseData("""{"channel":"Faq","kind":"WIDGET_LOADED","userFaqFingerprint":"faq_1"}""", "channel", RejectionReasons.InvalidField).SetName("channel mixed case");
        yield return new TestCaseData("""{"channel":"EMAIL","kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "channel", RejectionReasons.InvalidField).SetName("channel unknown");
        yield return new TestCaseData("""{"channel":0,"kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "channel", RejectionReasons.InvalidField).SetName("channel as an enum number");
        yield return new TestCaseData("""{"channel":"CHAT","userFingerprint":"fp_1"}""", "kind", RejectionReasons.MissingField).SetName("kind missing");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"widget_loaded","userFingerprint":"fp_1"}""", "kind", RejectionReasons.InvalidField).SetName("kind lower case");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"PAGE_VIEWED","userFingerprint":"fp_1"}""", "kind", RejectionReasons.InvalidField).SetName("kind unknown");
        yield return new TestCaseData("""{"channel":"CHAT","kind":1,"userFingerprint":"fp_1"}""", "kind", RejectionReasons.InvalidField).SetName("kind as an enum number");

        // The fingerprint the channel is keyed by.
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED"}""", "userFingerprint", RejectionReasons.MissingField).SetName("CHAT without any fingerprint");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFaqFingerprint":"faq_1"}""", "userFingerprint", RejectionReasons.MissingField).SetName("CHAT with only the FAQ fingerprint");
        yield return new TestCaseData("""{"channel":"NUDGE","kind":"NUDGE_SHOWN","userFaqFingerprint":"faq_1"}""", "userFingerprint", RejectionReasons.MissingField).SetName("NUDGE with only the FAQ fingerprint");
        yield return new TestCaseData("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""", "userFaqFingerprint", RejectionReasons.MissingField).SetName("FAQ with only the chat fingerprint");
        yield return new TestCaseData("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFaqFingerprint":null}""", "userFaqFingerprint", RejectionReasons.MissingField).SetName("FAQ with a null FAQ fingerprint");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp 1"}""", "userFingerprint", RejectionReasons.InvalidField).SetName("fingerprint pattern");
        yield return new TestCaseData("""{"channel":"FAQ","kind":"WIDGET_LOADED","userFaqFingerprint":"faq#1"}""", "userFaqFingerprint", RejectionReasons.InvalidField).SetName("FAQ fingerprint pattern");

        // What each kind needs.
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","text":"hi"}""", "conversationId", RejectionReasons.MissingField).SetName("SHOPPER_MESSAGE without conversationId");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"","text":"hi"}""", "conversationId", RejectionReasons.InvalidField).SetName("SHOPPER_MESSAGE with empty conversationId");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"  ","text":"hi"}""", "conversationId", RejectionReasons.InvalidField).SetName("SHOPPER_MESSAGE with blank conversationId");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c"}""", "text", RejectionReasons.MissingField).SetName("SHOPPER_MESSAGE without text");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":""}""", "text", RejectionReasons.InvalidField).SetName("SHOPPER_MESSAGE with empty text");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":42}""", "text", RejectionReasons.InvalidField).SetName("SHOPPER_MESSAGE with text a number");
        yield return new TestCaseData($$"""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":"{{new string('x', InteractionValidator.MaxTextLength + 1)}}"}""", "text", RejectionReasons.InvalidField).SetName("SHOPPER_MESSAGE with text too long");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","helpful":true}""", "conversationId", RejectionReasons.MissingField).SetName("ASSISTANT_ANSWER without conversationId");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"c"}""", "helpful", RejectionReasons.MissingField).SetName("ASSISTANT_ANSWER without helpful");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"c","helpful":null}""", "helpful", RejectionReasons.MissingField).SetName("ASSISTANT_ANSWER with helpful null");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"c","helpful":"true"}""", "helpful", RejectionReasons.InvalidField).SetName("ASSISTANT_ANSWER with helpful a string");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","conversationId":"c","helpful":1}""", "helpful", RejectionReasons.InvalidField).SetName("ASSISTANT_ANSWER with helpful a number");
        yield return new TestCaseData("""{"channel":"NUDGE","kind":"NUDGE_CLICKED","userFingerprint":"fp_1"}""", "nudgeId", RejectionReasons.MissingField).SetName("NUDGE_CLICKED without nudgeId");
        yield return new TestCaseData("""{"channel":"NUDGE","kind":"NUDGE_CLICKED","userFingerprint":"fp_1","nudgeId":""}""", "nudgeId", RejectionReasons.InvalidField).SetName("NUDGE_CLICKED with empty nudgeId");

        // Optional fields, when sent, must still be well-formed.
        yield return new TestCaseData($$"""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","variant":"{{new string('v', 65)}}"}""", "variant", RejectionReasons.InvalidField).SetName("variant over 64 chars");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","variant":""}""", "variant", RejectionReasons.InvalidField).SetName("variant empty");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","variant":2}""", "variant", RejectionReasons.InvalidField).SetName("variant a number");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","helpful":"yes"}""", "helpful", RejectionReasons.InvalidField).SetName("helpful malformed on another kind");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","eventId":"nope"}""", "eventId", RejectionReasons.InvalidField).SetName("eventId not a UUID");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","occurredAt":"2026-11-21T12:05:01Z"}""", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt over 5 min ahead");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","occurredAt":"2026-10-22T11:59:59Z"}""", "occurredAt", RejectionReasons.InvalidField).SetName("occurredAt over 30 days ago");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":"hi\u0000there"}""", "text", RejectionReasons.InvalidField).SetName("text with NUL");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":"line\u000Bbreak"}""", "text", RejectionReasons.InvalidField).SetName("text with a vertical tab");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"c","text":"bell\u0007"}""", "text", RejectionReasons.InvalidField).SetName("text with a bell");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"conv\u0000","text":"hi"}""", "conversationId", RejectionReasons.InvalidField).SetName("conversationId with NUL");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"SHOPPER_MESSAGE","userFingerprint":"fp_1","conversationId":"conv\n42","text":"hi"}""", "conversationId", RejectionReasons.InvalidField).SetName("conversationId with a newline");
        yield return new TestCaseData("""{"channel":"NUDGE","kind":"NUDGE_CLICKED","userFingerprint":"fp_1","nudgeId":"n\u00001"}""", "nudgeId", RejectionReasons.InvalidField).SetName("nudgeId with NUL");
        yield return new TestCaseData("""{"channel":"CHAT","kind":"WIDGET_LOADED","userFingerprint":"fp_1","variant":"B\t"}""", "variant", RejectionReasons.InvalidField).SetName("variant with a tab");
    }

    [TestCaseSource(nameof(BadBodies))]
    public void A_bad_or_missing_field_is_named_with_its_reason(string json, string expectedKey, string expectedReason)
    {
        var (message, errors) = Run(json);

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { expectedKey }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { expectedReason }));
    }

    [Test]
    public void An_unknown_channel_names_the_three_allowed_values()
    {
        var (_, errors) = Run("""{"channel":"chat","kind":"WIDGET_LOADED","userFingerprint":"fp_1"}""");

        Assert.That(errors.ToDictionary()["channel"][0], Does.Contain("CHAT, FAQ, NUDGE"));
    }

    [Test]
    public void An_unknown_kind_names_the_five_allowed_values()
    {
        var (_, errors) = Run("""{"channel":"CHAT","kind":"Shopper_Message","userFingerprint":"fp_1"}""");

        Assert.That(errors.ToDictionary()["kind"][0],
            Does.Contain("WIDGET_LOADED, SHOPPER_MESSAGE, ASSISTANT_ANSWER, NUDGE_SHOWN, NUDGE_CLICKED"));
    }

    [Test]
    public void A_variant_of_exactly_64_chars_is_accepted()
    {
        var body = Valid();
        body["variant"] = new string('v', 64);

        Assert.That(Validate(body).Message!.Variant, Has.Length.EqualTo(64));
    }

    [Test]
    public void Message_text_may_be_whitespace_because_shoppers_type_anything()
    {
        var body = Valid();
        body["text"] = "  ";

        Assert.That(Validate(body).Message!.Text, Is.EqualTo("  "));
    }

    [Test]
    public void Message_text_keeps_tabs_and_newlines_because_shoppers_type_several_lines()
    {
        var body = Valid();
        body["text"] = "size 42?\n\tthanks";

        Assert.That(Validate(body).Message!.Text, Is.EqualTo("size 42?\n\tthanks"));
    }

    [Test]
    public void Every_bad_field_is_named_at_once()
    {
        var (message, errors) = Run(
            $$"""{"channel":"FAQ","kind":"ASSISTANT_ANSWER","userFingerprint":"fp_1","helpful":"very","variant":"{{new string('v', 65)}}"}""");

        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "userFaqFingerprint", "conversationId", "helpful", "variant" }));
        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.MissingField, RejectionReasons.InvalidField }));
    }

    [Test]
    public void With_an_unknown_channel_and_kind_only_those_two_are_blamed()
    {
        var (_, errors) = Run("""{"channel":"SMS","kind":"REPLY"}""");

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "channel", "kind" }));
    }

    [Test]
    public void A_prefix_is_put_before_every_error_key()
    {
        using var doc = JsonDocument.Parse("""{"channel":"FAQ","kind":"NUDGE_CLICKED","userFingerprint":"fp_1"}""");

        var (_, errors) = InteractionValidator.Validate(doc.RootElement, "ck", Now, "events[2].");

        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "events[2].userFaqFingerprint", "events[2].nudgeId" }));
    }

    [TestCase("[]")]
    [TestCase("\"text\"")]
    [TestCase("42")]
    public void A_body_that_is_not_an_object_is_rejected(string json)
    {
        var (message, errors) = Run(json);
        Assert.That(message, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));
    }
}
