using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Validation;

public sealed class CurrenciesTests
{
    [TestCase("USD", 2)]
    [TestCase("EUR", 2)]
    [TestCase("JPY", 0)]
    [TestCase("KWD", 3)]
    [TestCase("CLF", 4)]
    public void Minor_units_come_from_the_ISO_4217_table(string code, int minorUnit)
    {
        Assert.That(Currencies.IsActive(code), Is.True);
        Assert.That(Currencies.MinorUnitOf(code), Is.EqualTo(minorUnit));
    }

    [TestCase("usd")]
    [TestCase("XAU")]
    [TestCase("XXX")]
    [TestCase("ABC")]
    public void Codes_that_are_not_active_currencies_are_rejected(string code) =>
        Assert.That(Currencies.IsActive(code), Is.False);

    [TestCase("79.99", 2)]
    [TestCase("79.990", 2)]
    [TestCase("80", 0)]
    [TestCase("80.000", 0)]
    [TestCase("0.001", 3)]
    public void Decimals_count_what_an_amount_really_uses(string amount, int decimals) =>
        Assert.That(Currencies.DecimalsOf(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(decimals));
}
