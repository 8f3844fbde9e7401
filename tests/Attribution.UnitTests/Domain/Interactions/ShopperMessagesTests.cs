using Attribution.Domain.Interactions;


namespace Attribution.UnitTests.Domain.Interactions;

public sealed class ShopperMessagesTests
{
    [TestCase("hi")]
    [TestCase("Hi")]
    [TestCase("hello!!")]
    [TestCase("hey there")]
    [TestCase("thanks 🙏")]
    [TestCase("Thank you so much!")]
    [TestCase("ok bye")]
    [TestCase("ok")]
    [TestCase("👍")]
    [TestCase("🙂🙂")]
    [TestCase("???")]
    [TestCase("...")]
    [TestCase("")]
    [TestCase("   ")]
    [TestCase(null)]
    [TestCase("good morning :)")]
    [TestCase("hiii")]
    public void Greetings_pleasantries_emoji_and_punctuation_are_not_real(string? text) =>
        Assert.That(ShopperMessages.IsReal(text), Is.False);

    [TestCase("hi, do these run small?")]
    [TestCase("running shoes for flat feet?")]
    [TestCase("thanks! is there a size 44?")]
    [TestCase("SKU-1234")]
    [TestCase("44")]
    [TestCase("¿tienen talla 44?")]
    [TestCase("what's the return policy")]
    public void A_message_with_any_other_word_is_real(string text) =>
        Assert.That(ShopperMessages.IsReal(text), Is.True);
}
