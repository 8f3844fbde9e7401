using System.Text;
using Attribution.EventStore;

namespace Attribution.UnitTests.EventStore;

public sealed class StorabilityTests
{
    private static string? Problem(string json) => Storability.ProblemOfJson(Encoding.UTF8.GetBytes(json));

    [TestCase("""{"name":"a\u0000b"}""", TestName = "A NUL escape")]
    [TestCase("""{"name":"a\u0000"}""", TestName = "A NUL escape at the end of a string")]
    [TestCase("""{"name":"x\ud800y"}""", TestName = "A high surrogate alone")]
    [TestCase("""{"name":"x\udc00y"}""", TestName = "A low surrogate alone")]
    [TestCase("""{"name":"x\ud800\u0041"}""", TestName = "A high surrogate followed by a non-surrogate escape")]
    [TestCase("""{"name":"x\ud800""", TestName = "A high surrogate at the end of the text")]
    public void Jsonb_refuses_it(string json) => Assert.That(Problem(json), Is.Not.Null);

    [TestCase("""{"name":"plain text","n":1.5}""", TestName = "Plain text")]
    [TestCase("""{"name":"\ud83d\ude00 and \u00e9"}""", TestName = "A surrogate pair and other escapes")]
    [TestCase("""{"name":"a\\u0000b"}""", TestName = "An escaped backslash followed by the letters u0000")]
    [TestCase("""{"name":"tab\tnew\nquote\"slash\\"}""", TestName = "Two-character escapes")]
    public void Jsonb_holds_it(string json) => Assert.That(Problem(json), Is.Null);

    [Test]
    public void Text_columns_refuse_a_nul() => Assert.Multiple(() =>
    {
        Assert.That(Storability.ProblemOfText("visitor:co:fp\0"), Is.Not.Null);
        Assert.That(Storability.ProblemOfText("visitor:co:fp"), Is.Null);
    });

    [Test]
    public void A_nul_in_an_event_is_serialized_as_an_escape_the_store_refuses() =>
        Assert.That(Storability.ProblemOfJson(StoredJson.Utf8Of(new { name = "a\u0000b" })), Is.Not.Null);

    [Test]
    public void An_unpaired_surrogate_in_an_event_is_serialized_as_a_replacement_character_the_store_holds()
    {
        // System.Text.Json writes U+FFFD for invalid UTF-16: storable, so the gateway refuses such text before it is accepted.
        var json = StoredJson.Utf8Of(new { name = "x\ud800y" });
        Assert.That(Encoding.UTF8.GetString(json), Does.Contain("\\uFFFD"));
        Assert.That(Storability.ProblemOfJson(json), Is.Null);
    }
}
