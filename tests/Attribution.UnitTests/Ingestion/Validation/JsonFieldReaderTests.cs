using System.Text.Json;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Validation;

public sealed class JsonFieldReaderTests
{
    private static (string? Text, IReadOnlyDictionary<string, string[]> Errors) Text(string value, bool allowTabAndNewline = false)
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(new { field = value }));
        var errors = new FieldErrors();
        var text = new JsonFieldReader(doc.RootElement, errors).Text("field", 1, 100, required: true, allowTabAndNewline: allowTabAndNewline);
        return (text, errors.ToDictionary());
    }

    private static (decimal? Number, IReadOnlyDictionary<string, string[]> Errors) Number(string json, decimal min = 0m, decimal max = 1_000_000_000m)
    {
        using var doc = JsonDocument.Parse($$"""{"value":{{json}}}""");
        var errors = new FieldErrors();
        var number = new JsonFieldReader(doc.RootElement, errors).Number("value", min, max, required: true);
        return (number, errors.ToDictionary());
    }

    [TestCase("a\0b", TestName = "NUL")]
    [TestCase("\0", TestName = "NUL alone")]
    [TestCase("a\u0001", TestName = "U+0001")]
    [TestCase("a\u001Fb", TestName = "U+001F")]
    [TestCase("a\u007Fb", TestName = "DEL")]
    [TestCase("a\u0085b", TestName = "NEL (C1)")]
    [TestCase("a\u009Fb", TestName = "U+009F (C1)")]
    [TestCase("a\tb", TestName = "tab")]
    [TestCase("a\nb", TestName = "newline")]
    [TestCase("a\rb", TestName = "carriage return")]
    public void A_control_character_is_refused_in_a_text_field(string value)
    {
        var (text, errors) = Text(value);

        Assert.That(text, Is.Null);
        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "field" }));
        Assert.That(errors["field"][0], Does.Contain("must not contain control characters"));
    }

    [TestCase("a\tb")]
    [TestCase("line one\nline two")]
    [TestCase("question\n\n\tdetail")]
    [TestCase("windows\r\nline endings")]
    public void Tab_and_newline_are_allowed_where_asked(string value) =>
        Assert.That(Text(value, allowTabAndNewline: true).Text, Is.EqualTo(value));

    [TestCase("a\0b")]
    [TestCase("a\u000Bb")]
    [TestCase("a\u0085b")]
    public void Other_control_characters_stay_refused_where_tab_and_newline_are_allowed(string value)
    {
        var (text, errors) = Text(value, allowTabAndNewline: true);

        Assert.That(text, Is.Null);
        Assert.That(errors["field"][0], Is.EqualTo("field must not contain control characters other than tab and newline."));
    }

    [TestCase("Black Running Shoes")]
    [TestCase("Schuhe für flache Füße – 42 €")]
    [TestCase("😀 漢字")]
    [TestCase("a\u2028b", TestName = "a line separator is no control character")]
    [TestCase("a\u00A0b", TestName = "a no-break space is no control character")]
    public void Ordinary_text_passes(string value) =>
        Assert.That(Text(value).Text, Is.EqualTo(value));

    [Test]
    public void The_control_character_check_is_exactly_char_IsControl()
    {
        var chars = Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).ToList();

        Assert.That(chars.Where(c => JsonFieldReader.ContainsControlCharacter(c.ToString()) != char.IsControl(c)), Is.Empty);
        Assert.That(chars.Where(c => JsonFieldReader.ContainsControlCharacter(c.ToString(), allowTabAndNewline: true)
            != (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))), Is.Empty);
    }

    [TestCase("1.000000000000000000000000000001")]
    [TestCase("1e-30")]
    [TestCase("0.00000000000000000000000000001")]
    public void A_number_that_would_be_rounded_is_refused(string json)
    {
        var (number, errors) = Number(json);

        Assert.That(number, Is.Null);
        Assert.That(errors["value"], Is.EqualTo(new[] { "value has more digits than can be represented exactly." }));
    }

    [TestCase("79.99E0", 79.99)]
    [TestCase("7999e-2", 79.99)]
    [TestCase("1e2", 100)]
    [TestCase("79.990", 79.99)]
    public void Exponent_notation_and_trailing_zeros_are_exact(string json, double expected) =>
        Assert.That(Number(json).Number, Is.EqualTo((decimal)expected));

    [Test]
    public void A_number_out_of_range_is_named_for_its_range_even_when_it_would_be_rounded() =>
        Assert.That(Number("-1.000000000000000000000000000001").Errors["value"], Is.EqualTo(new[] { "value must be between 0 and 1000000000." }));

    [Test]
    public void A_whole_number_that_is_whole_only_once_rounded_is_refused()
    {
        using var doc = JsonDocument.Parse("""{"quantity":1.0000000000000000000000000000001}""");
        var errors = new FieldErrors();

        var quantity = new JsonFieldReader(doc.RootElement, errors).WholeNumber("quantity", 1, 1_000_000, required: true);

        Assert.That(quantity, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "quantity" }));
    }

    [Test]
    public void An_echoed_currency_code_is_kept_storable()
    {
        using var doc = JsonDocument.Parse("""{"currency":"U\u0000SD"}""");
        var errors = new FieldErrors();

        new JsonFieldReader(doc.RootElement, errors).Currency("currency", required: true);

        var message = errors.ToDictionary()["currency"][0];
        Assert.That(message.Contains('\0', StringComparison.Ordinal), Is.False, message);
    }
}
