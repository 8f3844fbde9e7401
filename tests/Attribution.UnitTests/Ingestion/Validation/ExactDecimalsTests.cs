using System.Globalization;
using System.Text.Json;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Validation;

public sealed class ExactDecimalsTests
{
    private static (ExactDecimals.Reading Reading, decimal Value) Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var reading = ExactDecimals.Read(doc.RootElement, out var value);
        return (reading, value);
    }

    // JSON number text, the decimal it is exactly
    [TestCase("79.99", "79.99")]
    [TestCase("79.990", "79.99", TestName = "trailing zeros")]
    [TestCase("79.99E0", "79.99", TestName = "exponent zero")]
    [TestCase("7999e-2", "79.99", TestName = "negative exponent")]
    [TestCase("0.7999E+2", "79.99", TestName = "positive exponent")]
    [TestCase("1e2", "100")]
    [TestCase("100.00", "100")]
    [TestCase("0", "0")]
    [TestCase("-0", "0", TestName = "negative zero")]
    [TestCase("0.000e-999999", "0", TestName = "zero with a huge exponent")]
    [TestCase("-12.5", "-12.5")]
    [TestCase("1e28", "10000000000000000000000000000")]
    [TestCase("79228162514264337593543950335", "79228162514264337593543950335", TestName = "decimal.MaxValue")]
    [TestCase("0.0000000000000000000000000001", "0.0000000000000000000000000001", TestName = "the smallest decimal step")]
    [TestCase("1000000000.000000000000000000", "1000000000", TestName = "many zero decimals")]
    public void A_number_a_decimal_holds_is_read_exactly(string json, string expected)
    {
        var (reading, value) = Read(json);

        Assert.That(reading, Is.EqualTo(ExactDecimals.Reading.Exact));
        Assert.That(value, Is.EqualTo(decimal.Parse(expected, CultureInfo.InvariantCulture)));
    }

    [TestCase("1.000000000000000000000000000001", TestName = "30 decimals rounded to 1")]
    [TestCase("1e-30", TestName = "1e-30 rounded to 0")]
    [TestCase("-1e-30", TestName = "-1e-30 rounded to 0")]
    [TestCase("0.00000000000000000000000000001", TestName = "below the smallest decimal step")]
    [TestCase("5e-324", TestName = "the smallest double")]
    [TestCase("0.1234567890123456789012345678901", TestName = "31 significant digits")]
    [TestCase("79228162514264337593543950334.5", TestName = "a half beyond 29 digits")]
    [TestCase("1e-99999999999999999999999", TestName = "an exponent beyond any integer type")]
    public void A_number_a_decimal_could_only_round_is_inexact(string json) =>
        Assert.That(Read(json).Reading, Is.EqualTo(ExactDecimals.Reading.Inexact));

    [TestCase("1e29", TestName = "beyond decimal.MaxValue")]
    [TestCase("1E400", TestName = "beyond double")]
    [TestCase("\"79.99\"", TestName = "a string")]
    [TestCase("true", TestName = "a boolean")]
    [TestCase("null", TestName = "null")]
    public void What_is_no_decimal_is_not_a_number(string json) =>
        Assert.That(Read(json).Reading, Is.EqualTo(ExactDecimals.Reading.NotANumber));

    [TestCase("1.5", "-1.5", false, TestName = "the sign counts")]
    [TestCase("15e-1", "1.5", true, TestName = "the notation does not")]
    [TestCase("1.51", "1.5", false, TestName = "a digit more")]
    [TestCase("150", "15", false, TestName = "a power of ten more")]
    public void Exactness_compares_sign_digits_and_power_of_ten(string json, string value, bool exact) =>
        Assert.That(ExactDecimals.IsExact(System.Text.Encoding.UTF8.GetBytes(json), decimal.Parse(value, CultureInfo.InvariantCulture)), Is.EqualTo(exact));
}
