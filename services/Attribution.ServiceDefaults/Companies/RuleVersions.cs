namespace Attribution.ServiceDefaults.Companies;

/// <summary>
/// The name of the settings that produced a decision or a figure (contract §4: every figure carries
/// its ruleVersion). Shared so the reads can name the current version when no decision exists yet.
/// </summary>
public static class RuleVersions
{
    /// <summary>The rule set of contract §4; bump it when the rules themselves change.</summary>
    public const string RuleSet = "qualified-first.v1";

    public static string Of(int windowHours) => $"{RuleSet};window={windowHours}h";

    public static string Of(Company company) => Of(company.AttributionWindowHours);
}
