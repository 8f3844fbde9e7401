using System.Text.Json;
using System.Text.RegularExpressions;
using Attribution.Contracts.Ingestion;
using Attribution.Gateway.Ingestion.Validation;

namespace Attribution.UnitTests.Ingestion.Validation;

/// <summary>The one rule table (ingestion-rules.json) agrees with the contract types the gateway publishes.</summary>
public sealed class IngestionRulesTableTests
{
    [Test]
    public void The_cart_types_are_exactly_the_contract_enum() =>
        Assert.That(IngestionLimits.CartTypes, Is.EqualTo(Enum.GetNames<CartEventType>()));

    [Test]
    public void The_table_holds_the_contract_bounds()
    {
        Assert.That(IngestionLimits.MaxPast, Is.EqualTo(TimeSpan.FromDays(30)));
        Assert.That(IngestionLimits.MaxFuture, Is.EqualTo(TimeSpan.FromMinutes(5)));
        Assert.That(IngestionLimits.MaxBatchEvents, Is.EqualTo(500));
        Assert.That(IngestionLimits.IsFingerprint(new string('a', 128)), Is.True);
        Assert.That(IngestionLimits.IsFingerprint(new string('a', 129)), Is.False);
        Assert.That(IngestionLimits.IsFingerprint("fp 1"), Is.False);
        Assert.That(IngestionLimits.IsFingerprint("fp_1\n"), Is.False, "the whole text, as the SDK checks it");
    }

    [Test]
    public void The_control_character_pattern_the_SDK_reads_is_the_gateway_check()
    {
        using var table = JsonDocument.Parse(IngestionLimits.RulesJson);
        var pattern = new Regex(table.RootElement.GetProperty("controlCharacterPattern").GetString()!, RegexOptions.CultureInvariant);

        var disagreeing = Enumerable.Range(0, char.MaxValue + 1).Select(c => ((char)c).ToString())
            .Where(s => pattern.IsMatch(s) != JsonFieldReader.ContainsControlCharacter(s));

        Assert.That(disagreeing, Is.Empty);
    }
}
