using System.Text.Json;
using Attribution.Gateway.Admin.Companies;
using Attribution.Gateway.Ingestion.Validation;
using Attribution.Domain.Companies;

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
    public void Control_characters_in_create_fields_are_named() =>
        Assert.That(Errors("""{"name":"Shop\u0000","reportingCurrency":"USD","timeZone":"Europe/Berlin\n","shopifyWebhookSecret":"s\u0000"}""").Keys,
            Is.EquivalentTo(new[] { "name", "timeZone", "shopifyWebhookSecret" }));

    [Test]
    public void Each_origin_that_is_not_one_is_named_by_index_on_create()
    {
        var errors = Errors("""{"name":"Shop","reportingCurrency":"USD","allowedOrigins":["https://shop.example","*","http://localhost:3000","https://user@shop.example"]}""");

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "allowedOrigins[1]", "allowedOrigins[3]" }));
        Assert.That(errors["allowedOrigins[1]"][0], Does.Contain("must be an origin"));
    }

    [Test]
    public void Created_origins_are_normalised()
    {
        using var doc = JsonDocument.Parse("""{"name":"Shop","reportingCurrency":"USD","allowedOrigins":["https://Shop.Example/","http://LOCALHOST:80"]}""");

        Assert.That(CompanyAdminEndpoints.ValidateCreate(doc.RootElement).Draft!.AllowedOrigins, Is.EqualTo(new[] { "https://shop.example", "http://localhost" }));
    }

    [Test]
    public void An_IANA_zone_and_a_window_in_range_are_accepted() =>
        Assert.That(Errors("""{"name":"Shop","reportingCurrency":"USD","timeZone":"America/New_York","attributionWindowHours":720}"""), Is.Empty);

    // PATCH /v1/admin/companies/{companyKey}: a change of only the fields given.

    private static readonly Company Existing = new()
    {
        CompanyKey = "ck_1",
        Name = "Shop",
        ReportingCurrency = "USD",
        TimeZone = "Europe/Berlin",
        AttributionWindowHours = 48,
        AllowedOrigins = ["https://shop.example"],
        QuantityMode = QuantityMode.CHANGE,
        ShopifyWebhookSecret = "shpss_1",
    };

    private static (Func<Company, Company>? Change, FieldErrors Errors) Patch(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return CompanyAdminEndpoints.ValidatePatch(doc.RootElement);
    }

    private static Company Patched(string json)
    {
        var (change, errors) = Patch(json);
        Assert.That(errors.ToDictionary(), Is.Empty);
        return change!(Existing);
    }

    [Test]
    public void An_empty_patch_changes_nothing() =>
        Assert.That(Patched("{}"), Is.EqualTo(Existing));

    [Test]
    public void A_patch_of_null_fields_changes_nothing() =>
        Assert.That(Patched("""{"name":null,"reportingCurrency":null,"timeZone":null,"attributionWindowHours":null,"allowedOrigins":null,"quantityMode":null,"shopifyWebhookSecret":null}"""),
            Is.EqualTo(Existing));

    [Test]
    public void Absent_fields_keep_their_values()
    {
        var patched = Patched("""{"attributionWindowHours":72}""");

        Assert.That(patched, Is.EqualTo(Existing with { AttributionWindowHours = 72 }));
        Assert.That(patched.CompanyKey, Is.EqualTo("ck_1"));
        Assert.That(patched.TimeZone, Is.EqualTo("Europe/Berlin"));
        Assert.That(patched.AllowedOrigins, Is.EqualTo(new[] { "https://shop.example" }));
        Assert.That(patched.ShopifyWebhookSecret, Is.EqualTo("shpss_1"));
    }

    [Test]
    public void QuantityMode_TOTAL_switches_only_the_quantity_mode() =>
        Assert.That(Patched("""{"quantityMode":"TOTAL"}"""), Is.EqualTo(Existing with { QuantityMode = QuantityMode.TOTAL }));

    [Test]
    public void QuantityMode_CHANGE_switches_back()
    {
        var (change, _) = Patch("""{"quantityMode":"CHANGE"}""");

        Assert.That(change!(Existing with { QuantityMode = QuantityMode.TOTAL }).QuantityMode, Is.EqualTo(QuantityMode.CHANGE));
    }

    [Test]
    public void Each_setting_can_be_changed_on_its_own()
    {
        Assert.That(Patched("""{"name":"New Shop"}"""), Is.EqualTo(Existing with { Name = "New Shop" }));
        Assert.That(Patched("""{"reportingCurrency":"EUR"}"""), Is.EqualTo(Existing with { ReportingCurrency = "EUR" }));
        Assert.That(Patched("""{"timeZone":"America/New_York"}"""), Is.EqualTo(Existing with { TimeZone = "America/New_York" }));
        Assert.That(Patched("""{"shopifyWebhookSecret":"shpss_2"}"""), Is.EqualTo(Existing with { ShopifyWebhookSecret = "shpss_2" }));
        var origins = Patched("""{"allowedOrigins":["https://a.example","https://b.example"]}""");
        Assert.That(origins.AllowedOrigins, Is.EqualTo(new[] { "https://a.example", "https://b.example" }));
        Assert.That(origins with { AllowedOrigins = Existing.AllowedOrigins }, Is.EqualTo(Existing));
    }

    [Test]
    public void An_empty_origin_list_opens_the_company_to_any_origin() =>
        Assert.That(Patched("""{"allowedOrigins":[]}""").AllowedOrigins, Is.Empty);

    [Test]
    public void Several_settings_change_together()
    {
        var patched = Patched("""{"attributionWindowHours":1,"timeZone":"UTC","quantityMode":"TOTAL"}""");

        Assert.That(patched, Is.EqualTo(Existing with { AttributionWindowHours = 1, TimeZone = "UTC", QuantityMode = QuantityMode.TOTAL }));
    }

    [TestCase(1)]
    [TestCase(24)]
    [TestCase(720)]
    public void A_window_of_1_to_720_hours_is_accepted(int hours) =>
        Assert.That(Patched($$"""{"attributionWindowHours":{{hours}}}""").AttributionWindowHours, Is.EqualTo(hours));

    // body, the only expected error key
    private static IEnumerable<TestCaseData> BadPatches()
    {
        yield return new TestCaseData("""{"quantityMode":"total"}""", "quantityMode").SetName("quantityMode lower case");
        yield return new TestCaseData("""{"quantityMode":"Total"}""", "quantityMode").SetName("quantityMode mixed case");
        yield return new TestCaseData("""{"quantityMode":"DELTA"}""", "quantityMode").SetName("quantityMode unknown");
        yield return new TestCaseData("""{"quantityMode":1}""", "quantityMode").SetName("quantityMode as an enum number");
        yield return new TestCaseData("""{"attributionWindowHours":0}""", "attributionWindowHours").SetName("window 0 hours");
        yield return new TestCaseData("""{"attributionWindowHours":721}""", "attributionWindowHours").SetName("window 721 hours");
        yield return new TestCaseData("""{"attributionWindowHours":-24}""", "attributionWindowHours").SetName("window negative");
        yield return new TestCaseData("""{"attributionWindowHours":1.5}""", "attributionWindowHours").SetName("window fractional");
        yield return new TestCaseData("""{"attributionWindowHours":"24"}""", "attributionWindowHours").SetName("window a string");
        yield return new TestCaseData("""{"timeZone":"Mars/Olympus"}""", "timeZone").SetName("timeZone unknown");
        yield return new TestCaseData("""{"timeZone":""}""", "timeZone").SetName("timeZone empty");
        yield return new TestCaseData("""{"reportingCurrency":"eur"}""", "reportingCurrency").SetName("reportingCurrency lower case");
        yield return new TestCaseData("""{"reportingCurrency":"EURO"}""", "reportingCurrency").SetName("reportingCurrency not ISO 4217");
        yield return new TestCaseData("""{"allowedOrigins":"https://shop.example"}""", "allowedOrigins").SetName("allowedOrigins a string");
        yield return new TestCaseData("""{"allowedOrigins":[1]}""", "allowedOrigins").SetName("allowedOrigins of numbers");
        yield return new TestCaseData("""{"name":""}""", "name").SetName("name empty");
        yield return new TestCaseData("""{"name":"   "}""", "name").SetName("name blank");
        yield return new TestCaseData("""{"shopifyWebhookSecret":""}""", "shopifyWebhookSecret").SetName("shopifyWebhookSecret empty");
        yield return new TestCaseData("""{"shopifyWebhookSecret":"shpss_\u0000"}""", "shopifyWebhookSecret").SetName("shopifyWebhookSecret with NUL");
        yield return new TestCaseData("""{"shopifyWebhookSecret":"shpss_1\n"}""", "shopifyWebhookSecret").SetName("shopifyWebhookSecret with a newline");
        yield return new TestCaseData("""{"name":"Shop\u0000"}""", "name").SetName("name with NUL");
        yield return new TestCaseData("""{"name":"Shop\u001b[2J"}""", "name").SetName("name with an escape sequence");
        yield return new TestCaseData("""{"timeZone":"UTC\u0000"}""", "timeZone").SetName("timeZone with NUL");
        yield return new TestCaseData("""{"allowedOrigins":["*"]}""", "allowedOrigins[0]").SetName("allowedOrigins a wildcard");
        yield return new TestCaseData("""{"allowedOrigins":["https://shop.example",""]}""", "allowedOrigins[1]").SetName("allowedOrigins an empty one");
        yield return new TestCaseData("""{"allowedOrigins":["javascript:alert(1)"]}""", "allowedOrigins[0]").SetName("allowedOrigins javascript");
        yield return new TestCaseData("""{"allowedOrigins":["https://shop.example/cart"]}""", "allowedOrigins[0]").SetName("allowedOrigins with a path");
    }

    [TestCaseSource(nameof(BadPatches))]
    public void A_bad_patch_is_named_and_changes_nothing(string json, string expectedKey)
    {
        var (change, errors) = Patch(json);

        Assert.That(change, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { expectedKey }));
    }

    [Test]
    public void Patched_origins_are_stored_as_a_browser_sends_them()
    {
        var patched = Patched("""{"allowedOrigins":["HTTPS://Shop.Example:443/","http://localhost:3000","https://shop.example"]}""");

        Assert.That(patched.AllowedOrigins, Is.EqualTo(new[] { "https://shop.example", "http://localhost:3000" }));
    }

    [Test]
    public void Every_bad_patch_field_is_named_at_once()
    {
        var (change, errors) = Patch("""{"quantityMode":"total","attributionWindowHours":0,"timeZone":"Mars/Olympus","reportingCurrency":"usd","attributionWindowHoursTypo":5}""");

        Assert.That(change, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "quantityMode", "attributionWindowHours", "timeZone", "reportingCurrency" }));
    }

    [TestCase("[]")]
    [TestCase("\"TOTAL\"")]
    public void A_patch_that_is_not_an_object_is_rejected(string json) =>
        Assert.That(Patch(json).Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));

    // PUT /v1/admin/companies/{companyKey}/fx-rates

    private static (CompanyAdminEndpoints.FxRates? Rates, FieldErrors Errors) FxRates(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return CompanyAdminEndpoints.ValidateFxRates(doc.RootElement);
    }

    [Test]
    public void The_contract_fx_example_is_accepted()
    {
        var (rates, errors) = FxRates("""{"date":"2026-11-01","rates":{"EUR":1.08}}""");

        Assert.That(errors.ToDictionary(), Is.Empty);
        Assert.That(rates!.Date, Is.EqualTo(new DateOnly(2026, 11, 1)));
        Assert.That(rates.Rates, Is.EqualTo(new Dictionary<string, decimal> { ["EUR"] = 1.08m }));
    }

    [Test]
    public void Several_rates_are_read_as_exact_decimals()
    {
        var (rates, _) = FxRates("""{"date":"2026-02-28","rates":{"EUR":1.08,"JPY":0.0067,"KWD":3.2516}}""");

        Assert.That(rates!.Rates, Is.EqualTo(new Dictionary<string, decimal> { ["EUR"] = 1.08m, ["JPY"] = 0.0067m, ["KWD"] = 3.2516m }));
    }

    // body, expected error keys
    private static IEnumerable<TestCaseData> BadFxRates()
    {
        yield return new TestCaseData("""{"date":"2026-13-01","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date month 13");
        yield return new TestCaseData("""{"date":"2026-02-30","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date 30 February");
        yield return new TestCaseData("""{"date":"01.11.2026","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date in another format");
        yield return new TestCaseData("""{"date":"2026-11-1","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date without padding");
        yield return new TestCaseData("""{"date":"2026-11-01T00:00:00Z","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date a timestamp");
        yield return new TestCaseData("""{"date":20261101,"rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date a number");
        yield return new TestCaseData("""{"rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date missing");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EURO":1.08}}""", new[] { "rates.EURO" }).SetName("code EURO");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"eur":1.08}}""", new[] { "rates.eur" }).SetName("code lower case");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"XAU":1900}}""", new[] { "rates.XAU" }).SetName("code of gold");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":0}}""", new[] { "rates.EUR" }).SetName("rate zero");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":-1.08}}""", new[] { "rates.EUR" }).SetName("rate negative");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":"1.08"}}""", new[] { "rates.EUR" }).SetName("rate a string");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":null}}""", new[] { "rates.EUR" }).SetName("rate null");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1.08,"GBP":0}}""", new[] { "rates.GBP" }).SetName("one bad rate among good ones");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{}}""", new[] { "rates" }).SetName("rates empty");
        yield return new TestCaseData("""{"date":"2026-11-01"}""", new[] { "rates" }).SetName("rates missing");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":[{"EUR":1.08}]}""", new[] { "rates" }).SetName("rates an array");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":1.08}""", new[] { "rates" }).SetName("rates a number");
        yield return new TestCaseData("""{"date":"2026-1-1","rates":{"EURO":1,"EUR":0}}""", new[] { "date", "rates.EURO", "rates.EUR" }).SetName("every bad fx field at once");
        yield return new TestCaseData("{}", new[] { "date", "rates" }).SetName("fx body empty");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1e28}}""", new[] { "rates.EUR" }).SetName("rate 1e28");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1000000.01}}""", new[] { "rates.EUR" }).SetName("rate just over a million");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":0.00000099}}""", new[] { "rates.EUR" }).SetName("rate just under 0.000001");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1e-30}}""", new[] { "rates.EUR" }).SetName("rate 1e-30");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1e400}}""", new[] { "rates.EUR" }).SetName("rate beyond any number");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EUR":1.000000000000000000000000000001}}""", new[] { "rates.EUR" }).SetName("rate rounded by decimal");
        yield return new TestCaseData("""{"date":"1999-12-31","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date before 2000");
        yield return new TestCaseData("""{"date":"2101-01-01","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date after 2100");
        yield return new TestCaseData("""{"date":"0001-01-01","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date in year 1");
        yield return new TestCaseData("""{"date":"2026-11-01\u0000","rates":{"EUR":1.08}}""", new[] { "date" }).SetName("date with NUL");
        yield return new TestCaseData("""{"date":"2026-11-01","rates":{"EU\u0000":1.08}}""", new[] { "rates.EU\0" }).SetName("code with NUL");
    }

    [TestCaseSource(nameof(BadFxRates))]
    public void Bad_fx_rates_are_named_by_field(string json, string[] expectedKeys)
    {
        var (rates, errors) = FxRates(json);

        Assert.That(rates, Is.Null);
        Assert.That(errors.ToDictionary().Keys, Is.EquivalentTo(expectedKeys));
    }

    [TestCase("2000-01-01", "0.000001")]
    [TestCase("2100-12-31", "1000000")]
    [TestCase("2026-11-01", "1e6")]
    [TestCase("2026-11-01", "1E-6")]
    public void The_bounds_of_dates_and_rates_are_accepted(string date, string rate)
    {
        var (rates, errors) = FxRates($$$"""{"date":"{{{date}}}","rates":{"EUR":{{{rate}}}}}""");

        Assert.That(errors.ToDictionary(), Is.Empty);
        Assert.That(rates!.Rates["EUR"], Is.EqualTo(decimal.Parse(rate, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void An_unknown_fx_code_is_a_bad_currency()
    {
        var (_, errors) = FxRates("""{"date":"2026-11-01","rates":{"EURO":1.08}}""");

        Assert.That(errors.Reasons, Is.EquivalentTo(new[] { RejectionReasons.BadCurrency }));
    }

    [TestCase("[]")]
    [TestCase("\"2026-11-01\"")]
    public void Fx_rates_that_are_not_an_object_are_rejected(string json) =>
        Assert.That(FxRates(json).Errors.ToDictionary().Keys, Is.EquivalentTo(new[] { "body" }));
}
