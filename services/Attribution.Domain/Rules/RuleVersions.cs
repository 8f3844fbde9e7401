using Attribution.Domain.Companies;

namespace Attribution.Domain.Rules;

/// <summary>
/// The name of the settings that produced a decision or a figure (contract §4: every figure carries
/// its ruleVersion). Shared so the reads can name the current version when no decision exists yet.
/// </summary>
public static class RuleVersions
{
    /// <summary>The rule set of contract §4; bump it when the rules themselves change.</summary>
    public const string RuleSet = "qualified-first.v1";

    /// <summary>What the rule set of contract §4 does, in words (explain shows it beside the rule version).</summary>
    public const string RuleSetDescription =
        "A CHAT or FAQ conversation qualifies once it has a real shopper message and a helpful answer; a nudge click " +
        "qualifies by itself. The event is credited to the interaction that qualified first among those whose last " +
        "activity is within the window before the event (inclusive).";

    public static string Of(int windowHours) => $"{RuleSet};window={windowHours}h";

    /// <summary>
    /// The description of the rule set a rule version names. Decisions name their rule version and no longer
    /// carry this text (<c>attribution_decided.v2</c>); a rule set this engine does not know is named as such.
    /// </summary>
    public static string Describe(string ruleVersion) =>
        ruleVersion.Split(';')[0] switch
        {
            RuleSet => RuleSetDescription,
            var unknown => $"Rule set '{unknown}', which this version of the engine does not describe.",
        };

    public static string Of(Company company) => Of(company.AttributionWindowHours);
}
