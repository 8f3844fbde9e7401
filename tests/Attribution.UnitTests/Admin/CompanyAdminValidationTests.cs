using System.Text.Json;
using Attribution.Gateway.Admin.Companies;

namespace Attribution.UnitTests.Admin;

public sealed class CompanyAdminValidationTests
{
    private static IReadOnlyDictionary<string, string[]> Errors(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return CompanyAdminEndpoints.ValidateCreate(doc.RootElement).Errors.ToDictionary();
    }

    [Test]
    public void Defaults_are_UTC_and_a_24_hour_window()
    {
        using var doc = JsonDocument.Parse("""{"name":"Shop","reportingCurrency":"EUR"}""");
        var (draft, _) = CompanyAdminEndpoints.ValidateCreate(doc.RootElement);
        Assert.That(draft!.TimeZone, Is.EqualTo("UTC"));
        Assert.That(draft.AttributionWindowHours, Is.EqualTo(24));
    }

    [Test]
    public void Every_bad_setting_is_named() =>
        Assert.That(Errors("""{"reportingCurrency":"eur","timeZone":"Mars/Olympus","attributionWindowHours":721,"allowedOrigins":"x"}""").Keys,
            Is.EquivalentTo(new[] { "name", "reportingCurrency", "timeZone", "attributionWindowHours", "allowedOrigins" }));

    [Test]
    public void An_IANA_zone_and_a_window_in_range_are_accepted() =>
        Assert.That(Errors("""{"name":"Shop","reportingCurrency":"USD","timeZone":"America/New_York","attributionWindowHours":720}"""), Is.Empty);
}
