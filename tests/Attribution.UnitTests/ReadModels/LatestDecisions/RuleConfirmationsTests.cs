using Attribution.Contracts.Attribution;
using Attribution.ReadModels.LatestDecisions;
using static Attribution.EventStore.StoredEvents.DecisionEvents;

namespace Attribution.UnitTests.ReadModels.LatestDecisions;

public sealed class RuleConfirmationsTests
{
    private const string Old = "qualified-first.v1;window=24h", New = "qualified-first.v1;window=48h";

    private static readonly V2.AttributionDecided Decision = new(
        Guid.NewGuid(), "ck", Guid.NewGuid(), RevenueKind.CHECKOUT, "O-1", 120m, "USD", DateTimeOffset.UnixEpoch, 1,
        true, true, null, 24, Old, ["reason"], "fp", null);

    private static readonly V1.RefundDecided Refund = new(
        Guid.NewGuid(), "ck", Guid.NewGuid(), "R-1", "O-1", 10m, 10m, "USD", DateTimeOffset.UnixEpoch, 1, true, null, Old, []);

    private static V1.RuleVersionConfirmed Confirmed(long through) => new(Guid.NewGuid(), "ck", New, 48, through, DateTimeOffset.UnixEpoch);

    [Test]
    public void A_decision_stored_up_to_the_confirmation_stands_under_the_confirmed_version_and_window()
    {
        var standing = RuleConfirmations.Effective(Decision, storedAt: 100, Confirmed(through: 100));

        Assert.That(standing.RuleVersion, Is.EqualTo(New));
        Assert.That(standing.WindowHours, Is.EqualTo(48));
        Assert.That(standing with { RuleVersion = Old, WindowHours = 24 }, Is.EqualTo(Decision), "nothing else changes");
    }

    [Test]
    public void A_decision_stored_after_the_confirmation_keeps_its_own_version()
    {
        Assert.That(RuleConfirmations.Effective(Decision, storedAt: 101, Confirmed(through: 100)), Is.SameAs(Decision));
        Assert.That(RuleConfirmations.Effective(Decision, storedAt: 1, null), Is.SameAs(Decision), "never confirmed");
    }

    [Test]
    public void A_refund_follows_the_confirmation_unless_its_order_was_never_counted()
    {
        Assert.That(RuleConfirmations.Effective(Refund, storedAt: 5, Confirmed(through: 10)).RuleVersion, Is.EqualTo(New));
        var uncounted = Refund with { RuleVersion = null };
        Assert.That(RuleConfirmations.Effective(uncounted, storedAt: 5, Confirmed(through: 10)).RuleVersion, Is.Null);
    }
}
