using System.Text;
using Attribution.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Attribution.UnitTests.Ingestion.Validation;

/// <summary>
/// JsonBody.Parse, which every JSON endpoint reads its body with (ingestion, batch, admin, Shopify):
/// a string that is not Unicode text is a 400 naming where it is, so no endpoint ever reads a
/// string that throws.
/// </summary>
public sealed class JsonBodyTests
{
    /// <summary>JSON text in which each * stands for the raw byte 0xFF (never valid in UTF-8).</summary>
    private static byte[] WithInvalidByte(string json) =>
        Encoding.UTF8.GetBytes(json).Select(b => b == (byte)'*' ? (byte)0xFF : b).ToArray();

    private static IDictionary<string, string[]> Rejected(byte[] body)
    {
        var (document, failure) = JsonBody.Parse(body);
        Assert.That(document, Is.Null);
        Assert.That(failure, Is.InstanceOf<ValidationProblem>());
        return ((ValidationProblem)failure!).ProblemDetails.Errors;
    }

    private static IDictionary<string, string[]> Rejected(string json) => Rejected(Encoding.UTF8.GetBytes(json));

    [Test]
    public void Invalid_UTF8_in_a_value_is_named_by_its_field()
    {
        var errors = Rejected(WithInvalidByte("""{"productId":"SKU-1","productName":"Sho*es"}"""));

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "productName" }));
        Assert.That(errors["productName"][0], Is.EqualTo("productName must be valid Unicode text (UTF-8, no lone surrogates)."));
    }

    // body, the field named
    [TestCase("""{"productName":"\ud800"}""", "productName", TestName = "a lone high surrogate")]
    [TestCase("""{"productName":"a\udc00b"}""", "productName", TestName = "a lone low surrogate")]
    [TestCase("""{"productName":"\ud800a"}""", "productName", TestName = "a high surrogate before a letter")]
    [TestCase("""{"productName":"\udc00\ud800"}""", "productName", TestName = "surrogates in the wrong order")]
    [TestCase("""{"value":1,"lineItems":[{"productName":"ok"},{"productName":"x\ud800"}]}""", "lineItems[1].productName", TestName = "in a line item")]
    [TestCase("""{"events":[{},{},{},{"kind":"interaction","text":"\udfff"}]}""", "events[3].text", TestName = "in a batch event")]
    [TestCase("""{"rates":{"EUR":1,"GBP":{"note":["ok","\ud800"]}}}""", "rates.GBP.note[1]", TestName = "deep inside")]
    [TestCase("""{"lineItems":[{"\ud800":1}]}""", "lineItems[0]", TestName = "a property name, at the object holding it")]
    [TestCase("""{"\udc00":"x"}""", "body", TestName = "a top-level property name")]
    [TestCase(""" "\ud800" """, "body", TestName = "a top-level string")]
    [TestCase("""["ok","\ud800"]""", "body[1]", TestName = "a top-level array")]
    public void A_lone_surrogate_is_named_by_its_JSON_path(string json, string field) =>
        Assert.That(Rejected(json).Keys, Is.EquivalentTo(new[] { field }));

    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "a surrogate encoded in UTF-8")]
    [TestCase(new byte[] { 0xC0, 0xAF }, TestName = "an overlong encoding")]
    [TestCase(new byte[] { 0xE2, 0x82 }, TestName = "a truncated sequence")]
    [TestCase(new byte[] { 0x80 }, TestName = "a lone continuation byte")]
    public void Bytes_that_are_not_UTF8_are_refused(byte[] bad)
    {
        var body = Encoding.UTF8.GetBytes("""{"orderId":"A""").Concat(bad).Concat(Encoding.UTF8.GetBytes("""B"}""")).ToArray();

        Assert.That(Rejected(body).Keys, Is.EquivalentTo(new[] { "orderId" }));
    }

    [Test]
    public void An_invalid_property_name_in_raw_bytes_is_refused() =>
        Assert.That(Rejected(WithInvalidByte("""{"lineItems":[{"ok":1},{"na*me":1}]}""")).Keys, Is.EquivalentTo(new[] { "lineItems[1]" }));

    [TestCase("""{"text":"\ud83d\ude00 \u00e9 \n \t \"quoted\" \\ \/"}""", TestName = "escapes and a surrogate pair")]
    [TestCase("""{"text":"😀 éß 漢字","\u00e9":"name with an escape"}""", TestName = "raw multi-byte text")]
    [TestCase("""{"a":[1,true,null,{"b":[[]]}],"c":""}""", TestName = "no strings to speak of")]
    public void Valid_text_parses(string json)
    {
        var (document, failure) = JsonBody.Parse(Encoding.UTF8.GetBytes(json));

        Assert.That(failure, Is.Null);
        using (document) Assert.That(document, Is.Not.Null);
    }

    [Test]
    public void Malformed_JSON_is_still_named_body() =>
        Assert.That(Rejected("{\"productName\":\"").Keys, Is.EquivalentTo(new[] { "body" }));

    [Test]
    public void Only_the_first_bad_string_is_named()
    {
        // The walk stops at the first one: a body with many bad strings costs no more than one.
        var errors = Rejected("""{"a":"\ud800","b":"\ud800"}""");

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "a" }));
    }
}
