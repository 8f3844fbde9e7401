using System.Text.Json.Nodes;
using Attribution.Gateway.Visitors.Erasure;
using Attribution.Domain.Interactions;

namespace Attribution.UnitTests.Visitors;

public sealed class VisitorErasurePlanTests
{
    [TestCase("SHOPPER_MESSAGE", "Do these run small? I'm Jane, jane@example.com", "[erased]")]
    [TestCase("SHOPPER_MESSAGE", "hi there, thanks!", null)]
    [TestCase("ASSISTANT_ANSWER", "Hello Jane, they run true to size.", null)]
    public void Message_text_goes_but_a_shopper_message_stays_as_real_as_it_was(string kind, string text, string? masked)
    {
        var data = new JsonObject { ["kind"] = kind, ["text"] = text, ["conversationId"] = "c-1" };
        var once = VisitorErasurePlan.MaskInteraction(data.DeepClone().AsObject());

        Assert.That(once["text"]?.GetValue<string>(), Is.EqualTo(masked));
        Assert.That(once["conversationId"]!.GetValue<string>(), Is.EqualTo("c-1"));
        Assert.That(ShopperMessages.IsReal(masked), Is.EqualTo(kind == "SHOPPER_MESSAGE" && ShopperMessages.IsReal(text)), "the rules' verdict is kept");
        Assert.That(VisitorErasurePlan.MaskInteraction(once.DeepClone().AsObject()).ToJsonString(), Is.EqualTo(once.ToJsonString()), "idempotent");
    }

    [Test]
    public void Streams_and_documents_are_renamed_in_the_chat_and_faq_forms_of_every_fingerprint()
    {
        var plan = VisitorErasurePlan.Of("ck_1", new Dictionary<string, string> { ["fp_a"] = "erased-1", ["faq_a"] = "erased-2" });

        Assert.Multiple(() =>
        {
            Assert.That(plan.TenantId, Is.EqualTo("ck_1"));
            Assert.That(plan.Streams, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["visitor:ck_1:fp_a"] = "visitor:ck_1:erased-1", ["visitor:ck_1:faq#fp_a"] = "visitor:ck_1:faq#erased-1",
                ["visitor:ck_1:faq_a"] = "visitor:ck_1:erased-2", ["visitor:ck_1:faq#faq_a"] = "visitor:ck_1:faq#erased-2",
            }));
            Assert.That(plan.Documents.Keys, Is.EquivalentTo(new[] { "ck_1:fp_a", "ck_1:faq#fp_a", "ck_1:faq_a", "ck_1:faq#faq_a" }));
            Assert.That(plan.Values["fp_a"], Is.EqualTo("erased-1"));
            Assert.That(plan.Rules.Keys, Is.EqualTo(new[] { "interaction_recorded.v1" }));
        });
    }

    [Test]
    public void Pseudonyms_are_fresh_and_valid_fingerprints()
    {
        var a = VisitorErasurePlan.NewPseudonym();
        Assert.That(a, Does.Match("^erased-[0-9a-f]{24}$"));
        Assert.That(VisitorErasurePlan.NewPseudonym(), Is.Not.EqualTo(a));
    }
}
