using Attribution.Contracts.Attribution;
using Attribution.Engine.Deciding;
using Attribution.EventStore;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using Attribution.Domain.Rules;

namespace Attribution.UnitTests.EventStore.StoredEvents;

/// <summary>Decisions stored under an older name keep reading as the current decision (stored history is never rewritten).</summary>
public sealed class DecisionEventsTests
{
    private static readonly EventTypeRegistry Registry = new EventTypeRegistry().RegisterDecisionEvents();

    // As an engine before v2 stored it: the rule's words inside every decision.
    private const string StoredV1 = """
        {"decisionId":"0b7d3c1e-6f0a-4f3e-9a51-2f6d7c1b9e10","companyKey":"co","sourceEventId":"5f0c2a9e-1b3d-4c5e-8f70-a1b2c3d4e5f6",
         "kind":"CHECKOUT","orderId":"ORD-1","amount":120.00,"currency":"USD","occurredAt":"2026-11-20T10:00:00+00:00","revision":2,
         "attributed":true,"counted":true,
         "credited":{"channel":"CHAT","conversationId":"conv_1","nudgeId":null,"variant":"B","qualifiedAt":"2026-11-20T09:01:00+00:00","lastActivityAt":"2026-11-20T09:01:00+00:00"},
         "windowHours":24,"rule":"A CHAT or FAQ conversation qualifies once ...","ruleVersion":"qualified-first.v1;window=24h",
         "reasons":["Nudge n1: qualified later."],"userFingerprint":"fp_1","variant":"B"}
        """;

    [Test]
    public void A_decision_stored_as_v1_reads_as_the_same_v2_decision_without_the_rules_words()
    {
        var read = Registry.Deserialize("attribution_decided.v1", System.Text.Encoding.UTF8.GetBytes(StoredV1));

        var expected = new V2.AttributionDecided(
            Guid.Parse("0b7d3c1e-6f0a-4f3e-9a51-2f6d7c1b9e10"), "co", Guid.Parse("5f0c2a9e-1b3d-4c5e-8f70-a1b2c3d4e5f6"), RevenueKind.CHECKOUT,
            "ORD-1", 120.00m, "USD", DateTimeOffset.Parse("2026-11-20T10:00:00+00:00"), 2, true, true,
            new CreditedInteraction(Contracts.Ingestion.InteractionChannel.CHAT, "conv_1", null, "B",
                DateTimeOffset.Parse("2026-11-20T09:01:00+00:00"), DateTimeOffset.Parse("2026-11-20T09:01:00+00:00")),
            24, "qualified-first.v1;window=24h", ["Nudge n1: qualified later."], "fp_1", "B");
        Assert.That(read, Is.TypeOf<V2.AttributionDecided>());
        var decided = (V2.AttributionDecided)read;
        Assert.That(decided with { Reasons = expected.Reasons }, Is.EqualTo(expected));
        Assert.That(decided.Reasons, Is.EqualTo(expected.Reasons));
    }

    [Test]
    public void New_decisions_are_written_as_v2_only_and_type_filtered_reads_take_both_names()
    {
        Assert.That(Registry.NameOf(typeof(V2.AttributionDecided)), Is.EqualTo("attribution_decided.v2"));
        Assert.Throws<InvalidOperationException>(() => Registry.NameOf(typeof(V1.AttributionDecided)), "v1 is read, never written");
        Assert.That(Registry.StoredNamesOf(typeof(V2.AttributionDecided)), Is.EquivalentTo(new[] { "attribution_decided.v2", "attribution_decided.v1" }));
    }

    [Test]
    public void A_v2_decision_does_not_carry_the_rules_words_and_explain_takes_them_from_the_rule_version()
    {
        var decision = AttributionRules.Decide([], Guid.NewGuid(), DateTimeOffset.Parse("2026-11-20T10:00:00+00:00"), new RuleSettings(24));
        var json = System.Text.Encoding.UTF8.GetString(StoredJson.Utf8Of<object>(Revisions.Next(
            "co", new(Guid.NewGuid(), RevenueKind.CART, DateTimeOffset.Parse("2026-11-20T10:00:00+00:00"), 1, 10m, "USD", null, false, "fp", null),
            decision, true, [], null)!));

        Assert.That(json, Does.Not.Contain("\"rule\":"));
        Assert.That(RuleVersions.Describe(decision.RuleVersion), Does.StartWith("A CHAT or FAQ conversation qualifies"));
        Assert.That(RuleVersions.Describe("some-later-set.v9;window=24h"), Does.Contain("some-later-set.v9"));
    }
}
