using Attribution.Domain.Interactions;
using System.Globalization;
using Attribution.Contracts.Ingestion;

namespace Attribution.Domain.Rules;

/// <summary>An interaction of the visitor, as the rules see it.</summary>
public sealed record InteractionFact(
    Guid EventId,
    InteractionChannel Channel,
    InteractionKind Kind,
    string? ConversationId,
    string? Text,
    bool? Helpful,
    string? NudgeId,
    string? Variant,
    DateTimeOffset OccurredAt);

/// <summary>The company settings that decide (contract §4); <see cref="RuleVersion"/> names them on every figure.</summary>
public sealed record RuleSettings(int WindowHours)
{
    public const string RuleSet = RuleVersions.RuleSet;

    public TimeSpan Window => TimeSpan.FromHours(WindowHours);

    public string RuleVersion => RuleVersions.Of(WindowHours);
}

/// <summary>The interaction a cart or checkout event is credited to.</summary>
public sealed record CreditedInteraction(
    InteractionChannel Channel,
    string? ConversationId,
    string? NudgeId,
    string? Variant,
    DateTimeOffset QualifiedAt,
    DateTimeOffset LastActivityAt);

/// <summary>An auditable decision for one cart or checkout event (contract §4 and §6 explain).</summary>
public sealed record AttributionDecision(
    Guid EventId,
    bool Attributed,
    CreditedInteraction? Credited,
    int WindowHours,
    string RuleVersion,
    IReadOnlyList<string> Reasons);

/// <summary>
/// The attribution rules of contract §4, as a pure function of the visitor's interactions, the
/// event's time and the settings. No IO, no clock: the same inputs always give the same decision,
/// which is what makes replays and revisions exact.
///
/// Stated edges: the window is inclusive (last activity exactly <c>window</c> before the event
/// still counts); an interaction that qualifies at the event's very instant counts; only activity
/// at or before the event counts; ties in qualification time go to CHAT, then FAQ, then NUDGE,
/// then the lower conversation or nudge id.
/// </summary>
public static class AttributionRules
{
    private sealed record Candidate(
        InteractionChannel Channel, string Id, string? Variant, DateTimeOffset? QualifiedAt, DateTimeOffset LastActivityAt, string? WhyNot);

    public static AttributionDecision Decide(IReadOnlyList<InteractionFact> interactions, Guid eventId, DateTimeOffset eventAt, RuleSettings settings)
    {
        var before = interactions.Where(i => i.OccurredAt <= eventAt).ToList();
        var reasons = new List<string>();
        var candidates = Conversations(before).Concat(Nudges(before)).ToList();

        var neverQualify = before.Count(i => i.Kind is InteractionKind.WIDGET_LOADED or InteractionKind.NUDGE_SHOWN);
        if (neverQualify > 0)
            reasons.Add($"{neverQualify} widget load or nudge impression event(s) never qualify.");

        var eligible = new List<Candidate>();
        foreach (var c in candidates)
        {
            if (c.WhyNot is not null) reasons.Add($"{Describe(c)}: {c.WhyNot}");
            else if (eventAt - c.LastActivityAt > settings.Window)
                reasons.Add($"{Describe(c)}: last activity at {Time(c.LastActivityAt)}, {Hours(eventAt - c.LastActivityAt)} h before the event, outside the {settings.WindowHours} h window.");
            else eligible.Add(c);
        }

        var credited = eligible
            .OrderBy(c => c.QualifiedAt)
            .ThenBy(c => c.Channel)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        foreach (var other in eligible.Where(c => c != credited))
            reasons.Add($"{Describe(other)}: qualified at {Time(other.QualifiedAt!.Value)}, after {Describe(credited!)} (qualified at {Time(credited!.QualifiedAt!.Value)}); one event credits one interaction.");
        if (candidates.Count == 0)
            reasons.Add("No conversation or nudge click of this visitor before the event.");

        return new AttributionDecision(
            eventId,
            credited is not null,
            credited is null ? null : new CreditedInteraction(
                credited.Channel,
                credited.Channel == InteractionChannel.NUDGE ? null : credited.Id,
                credited.Channel == InteractionChannel.NUDGE ? credited.Id : null,
                credited.Variant,
                credited.QualifiedAt!.Value,
                credited.LastActivityAt),
            settings.WindowHours,
            settings.RuleVersion,
            reasons);
    }

    // A conversation qualifies at the first moment it has both a real shopper message and a helpful answer.
    private static IEnumerable<Candidate> Conversations(IEnumerable<InteractionFact> before) =>
        before
            .Where(i => i.Channel is InteractionChannel.CHAT or InteractionChannel.FAQ
                        && i.Kind is InteractionKind.SHOPPER_MESSAGE or InteractionKind.ASSISTANT_ANSWER
                        && i.ConversationId is not null)
            .GroupBy(i => (i.Channel, Id: i.ConversationId!))
            .Select(g =>
            {
                var firstReal = g.Where(i => i.Kind == InteractionKind.SHOPPER_MESSAGE && ShopperMessages.IsReal(i.Text)).MinBy(i => i.OccurredAt);
                var firstHelpful = g.Where(i => i.Kind == InteractionKind.ASSISTANT_ANSWER && i.Helpful == true).MinBy(i => i.OccurredAt);
                var whyNot = (firstReal, firstHelpful) switch
                {
                    (null, null) => "no real shopper message (only greetings or pleasantries, or none) and no answer marked helpful.",
                    (null, _) => "no real shopper message (only greetings or pleasantries, or none).",
                    (_, null) => g.Any(i => i.Kind == InteractionKind.ASSISTANT_ANSWER)
                        ? "no answer was marked helpful."
                        : "no assistant answer.",
                    _ => null,
                };
                var qualifiedAt = whyNot is null ? Max(firstReal!.OccurredAt, firstHelpful!.OccurredAt) : (DateTimeOffset?)null;
                var variant = g.Select(i => i.Variant).LastOrDefault(v => v is not null);
                return new Candidate(g.Key.Channel, g.Key.Id, variant, qualifiedAt, g.Max(i => i.OccurredAt), whyNot);
            });

    // A nudge click qualifies by itself and credits that nudge.
    private static IEnumerable<Candidate> Nudges(IEnumerable<InteractionFact> before) =>
        before
            .Where(i => i.Kind == InteractionKind.NUDGE_CLICKED && i.NudgeId is not null)
            .GroupBy(i => i.NudgeId!)
            .Select(g => new Candidate(InteractionChannel.NUDGE, g.Key, g.Select(i => i.Variant).LastOrDefault(v => v is not null),
                g.Min(i => i.OccurredAt), g.Max(i => i.OccurredAt), null));

    private static string Describe(Candidate c) =>
        c.Channel == InteractionChannel.NUDGE ? $"nudge {c.Id}" : $"{c.Channel} conversation {c.Id}";

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Hours(TimeSpan span) => span.TotalHours.ToString("0.#", CultureInfo.InvariantCulture);
}
