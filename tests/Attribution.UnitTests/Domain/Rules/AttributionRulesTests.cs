using Attribution.Contracts.Ingestion;
using Attribution.Domain.Rules;

namespace Attribution.UnitTests.Domain.Rules;

public sealed class AttributionRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);
    private static readonly RuleSettings Day = new(24);
    private static readonly Guid EventId = Guid.NewGuid();

    private static InteractionFact Message(string conversation, string text, DateTimeOffset at, InteractionChannel channel = InteractionChannel.CHAT, string? variant = null) =>
        new(Guid.NewGuid(), channel, InteractionKind.SHOPPER_MESSAGE, conversation, text, null, null, variant, at);

    private static InteractionFact Answer(string conversation, bool helpful, DateTimeOffset at, InteractionChannel channel = InteractionChannel.CHAT) =>
        new(Guid.NewGuid(), channel, InteractionKind.ASSISTANT_ANSWER, conversation, null, helpful, null, null, at);

    private static InteractionFact Click(string nudge, DateTimeOffset at) =>
        new(Guid.NewGuid(), InteractionChannel.NUDGE, InteractionKind.NUDGE_CLICKED, null, null, null, nudge, "A", at);

    private static InteractionFact Other(InteractionKind kind, DateTimeOffset at, InteractionChannel channel = InteractionChannel.CHAT) =>
        new(Guid.NewGuid(), channel, kind, null, null, null, kind == InteractionKind.NUDGE_SHOWN ? "n1" : null, null, at);

    private static InteractionFact[] Qualified(string conversation, DateTimeOffset at, InteractionChannel channel = InteractionChannel.CHAT) =>
        [Message(conversation, "running shoes for flat feet?", at, channel), Answer(conversation, true, at.AddMinutes(1), channel)];

    private static AttributionDecision Decide(IEnumerable<InteractionFact> journey, DateTimeOffset at, RuleSettings? settings = null) =>
        AttributionRules.Decide(journey.ToList(), EventId, at, settings ?? Day);

    [Test]
    public void The_seed_story_a_helpful_chat_then_an_add_to_cart_20_hours_later_is_attributed()
    {
        var decision = Decide(Qualified("conv_42", T0), T0.AddHours(20));

        Assert.That(decision.Attributed, Is.True);
        Assert.That(decision.Credited!.Channel, Is.EqualTo(InteractionChannel.CHAT));
        Assert.That(decision.Credited.ConversationId, Is.EqualTo("conv_42"));
        Assert.That(decision.Credited.QualifiedAt, Is.EqualTo(T0.AddMinutes(1)), "qualified once both the message and the helpful answer exist");
        Assert.That(decision.WindowHours, Is.EqualTo(24));
        Assert.That(decision.RuleVersion, Is.EqualTo("qualified-first.v1;window=24h"));
        Assert.That(decision.EventId, Is.EqualTo(EventId));
    }

    [Test]
    public void Only_hi_does_not_qualify()
    {
        var decision = Decide([Message("c", "hi", T0), Answer("c", true, T0.AddMinutes(1))], T0.AddHours(1));

        Assert.That(decision.Attributed, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("no real shopper message"));
    }

    [Test]
    public void A_widget_load_or_a_nudge_impression_never_qualifies()
    {
        var decision = Decide([Other(InteractionKind.WIDGET_LOADED, T0), Other(InteractionKind.NUDGE_SHOWN, T0, InteractionChannel.NUDGE)], T0.AddHours(1));

        Assert.That(decision.Attributed, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("never qualify"));
    }

    [Test]
    public void An_answer_not_marked_helpful_does_not_qualify()
    {
        var decision = Decide([Message("c", "do these run small?", T0), Answer("c", false, T0.AddMinutes(1))], T0.AddHours(1));

        Assert.That(decision.Attributed, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("no answer was marked helpful"));
    }

    [Test]
    public void A_message_without_any_answer_does_not_qualify() =>
        Assert.That(Decide([Message("c", "do these run small?", T0)], T0.AddHours(1)).Reasons, Has.Some.Contains("no assistant answer"));

    [Test]
    public void No_interaction_at_all_is_unattributed_with_a_reason()
    {
        var decision = Decide([], T0);

        Assert.That(decision.Attributed, Is.False);
        Assert.That(decision.Reasons, Has.Some.Contains("No conversation or nudge click"));
    }

    [Test]
    public void A_checkout_30_hours_after_the_chat_is_outside_a_24_hour_window_and_inside_a_48_hour_one()
    {
        var journey = Qualified("conv_42", T0);

        var day = Decide(journey, T0.AddHours(30));
        var twoDays = Decide(journey, T0.AddHours(30), new RuleSettings(48));

        Assert.That(day.Attributed, Is.False);
        Assert.That(day.Reasons, Has.Some.Contains("outside the 24 h window"));
        Assert.That(twoDays.Attributed, Is.True);
        Assert.That(twoDays.RuleVersion, Is.EqualTo("qualified-first.v1;window=48h"));
    }

    [Test]
    public void The_window_boundary_is_inclusive()
    {
        var journey = Qualified("c", T0); // last activity: the answer at T0 + 1 min
        var lastActivity = T0.AddMinutes(1);

        Assert.That(Decide(journey, lastActivity.AddHours(24)).Attributed, Is.True, "exactly 24 h after the last activity");
        Assert.That(Decide(journey, lastActivity.AddHours(24).AddTicks(1)).Attributed, Is.False, "a tick later");
    }

    [Test]
    public void The_window_is_measured_from_the_conversations_last_activity_not_its_start()
    {
        var journey = Qualified("c", T0).Append(Message("c", "and in blue?", T0.AddHours(28))).ToList();

        var decision = Decide(journey, T0.AddHours(40));

        Assert.That(decision.Attributed, Is.True);
        Assert.That(decision.Credited!.LastActivityAt, Is.EqualTo(T0.AddHours(28)));
    }

    [Test]
    public void Qualifying_at_the_same_instant_as_the_event_counts_and_activity_after_it_does_not()
    {
        var qualifiedAt = T0.AddMinutes(1);

        Assert.That(Decide(Qualified("c", T0), qualifiedAt).Attributed, Is.True, "equal timestamps");
        var justBefore = Decide(Qualified("c", T0), qualifiedAt.AddTicks(-1));
        Assert.That(justBefore.Attributed, Is.False, "the helpful answer came after the event");
        Assert.That(justBefore.Reasons, Has.Some.Contains("no assistant answer"), "only activity before the event is judged");
    }

    [Test]
    public void The_order_interactions_arrive_in_does_not_matter_only_when_they_happened()
    {
        var journey = Qualified("a", T0).Concat(Qualified("b", T0.AddHours(1))).ToList();

        var asRecorded = Decide(journey, T0.AddHours(2));
        var lateArrival = Decide(Enumerable.Reverse(journey), T0.AddHours(2));

        Assert.That(lateArrival.Credited, Is.EqualTo(asRecorded.Credited));
        Assert.That(asRecorded.Credited!.ConversationId, Is.EqualTo("a"));
    }

    [Test]
    public void Of_two_conversations_the_one_that_qualified_first_is_credited_and_the_other_is_explained()
    {
        // b started first but qualified later (its helpful answer came after a's).
        var journey = new[]
        {
            Message("b", "trail shoes?", T0), Message("a", "road shoes?", T0.AddMinutes(5)),
            Answer("a", true, T0.AddMinutes(6)), Answer("b", true, T0.AddMinutes(10)),
        };

        var decision = Decide(journey, T0.AddHours(1));

        Assert.That(decision.Credited!.ConversationId, Is.EqualTo("a"));
        Assert.That(decision.Reasons, Has.Some.Contains("CHAT conversation b").And.Some.Contains("one event credits one interaction"));
    }

    [Test]
    public void Chat_first_then_faq_credits_the_chat()
    {
        var journey = Qualified("chat_1", T0).Concat(Qualified("faq_1", T0.AddMinutes(30), InteractionChannel.FAQ));

        Assert.That(Decide(journey, T0.AddHours(1)).Credited!.Channel, Is.EqualTo(InteractionChannel.CHAT));
    }

    [Test]
    public void Faq_first_then_chat_credits_the_faq()
    {
        var journey = Qualified("faq_1", T0, InteractionChannel.FAQ).Concat(Qualified("chat_1", T0.AddMinutes(30)));

        var decision = Decide(journey, T0.AddHours(1));

        Assert.That(decision.Credited!.Channel, Is.EqualTo(InteractionChannel.FAQ));
        Assert.That(decision.Credited.ConversationId, Is.EqualTo("faq_1"));
    }

    [Test]
    public void Equal_qualification_times_go_to_chat_then_faq_then_nudge()
    {
        var journey = Qualified("faq_1", T0, InteractionChannel.FAQ).Concat(Qualified("chat_1", T0)).Append(Click("n1", T0.AddMinutes(1)));

        Assert.That(Decide(journey, T0.AddHours(1)).Credited!.Channel, Is.EqualTo(InteractionChannel.CHAT));
    }

    [Test]
    public void A_nudge_click_qualifies_by_itself_and_credits_that_nudge()
    {
        var decision = Decide([Other(InteractionKind.NUDGE_SHOWN, T0, InteractionChannel.NUDGE), Click("summer-sale", T0.AddMinutes(1))], T0.AddHours(2));

        Assert.That(decision.Attributed, Is.True);
        Assert.That(decision.Credited!.Channel, Is.EqualTo(InteractionChannel.NUDGE));
        Assert.That(decision.Credited.NudgeId, Is.EqualTo("summer-sale"));
        Assert.That(decision.Credited.ConversationId, Is.Null);
        Assert.That(decision.Credited.Variant, Is.EqualTo("A"));
    }

    [Test]
    public void A_qualified_conversation_outside_the_window_gives_way_to_a_later_one_inside_it()
    {
        var journey = Qualified("old", T0).Concat(Qualified("new", T0.AddHours(30)));

        var decision = Decide(journey, T0.AddHours(31));

        Assert.That(decision.Credited!.ConversationId, Is.EqualTo("new"));
        Assert.That(decision.Reasons, Has.Some.Contains("CHAT conversation old").And.Some.Contains("outside the 24 h window"));
    }

    [Test]
    public void The_credited_conversation_carries_its_ab_variant()
    {
        var journey = new[] { Message("c", "do you ship to Norway?", T0, variant: "B"), Answer("c", true, T0.AddMinutes(1)) };

        Assert.That(Decide(journey, T0.AddHours(1)).Credited!.Variant, Is.EqualTo("B"));
    }

    [Test]
    public void The_same_inputs_always_give_the_same_decision()
    {
        var journey = Qualified("a", T0).Concat(Qualified("b", T0.AddHours(1))).Append(Click("n", T0.AddHours(2))).ToList();

        var first = Decide(journey, T0.AddHours(3));
        var again = Decide(journey.AsEnumerable().Reverse(), T0.AddHours(3));

        Assert.That(again.Credited, Is.EqualTo(first.Credited));
        Assert.That(again.Reasons, Is.EquivalentTo(first.Reasons));
        Assert.That(again.RuleVersion, Is.EqualTo(first.RuleVersion));
    }
}
