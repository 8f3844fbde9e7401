using Attribution.DemoTraffic;

namespace Attribution.UnitTests.DemoTraffic;

/// <summary>The demo company's week of traffic: deterministic, inside the accepted time range, and showing every panel.</summary>
public sealed class DemoWeekTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 15, 0, 0, TimeSpan.Zero);
    private static readonly DemoWeekPlan Plan = DemoWeek.Generate(42, Now, 7, "demo");

    [Test]
    public void The_same_seed_gives_the_same_events_with_the_same_ids()
    {
        var again = DemoWeek.Generate(42, Now, 7, "demo");
        Assert.That(again.Events.Select(e => (e.EventId, e.Body.ToJsonString())), Is.EqualTo(Plan.Events.Select(e => (e.EventId, e.Body.ToJsonString()))));
        Assert.That(DemoWeek.Generate(42, Now, 7, "other").Events[0].EventId, Is.Not.EqualTo(Plan.Events[0].EventId),
            "event ids are unique across companies (the event store's id is global)");
    }

    [Test]
    public void Every_event_lies_within_the_week_and_never_in_the_future()
    {
        Assert.That(Plan.Events, Is.Not.Empty);
        Assert.That(Plan.Events.Select(e => e.OccurredAt), Is.All.LessThanOrEqualTo(Now).And.All.GreaterThanOrEqualTo(Now.AddDays(-8)));
        Assert.That(Plan.Events.Select(e => e.EventId).Distinct().Count(), Is.EqualTo(Plan.Events.Count));
    }

    [Test]
    public void The_week_has_both_variants_several_currencies_and_the_mistakes_the_data_quality_panel_shows()
    {
        var bodies = Plan.Events.Select(e => e.Body.ToJsonString()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(bodies, Has.Some.Contains("\"variant\":\"A\"").And.Some.Contains("\"variant\":\"B\""));
            Assert.That(bodies, Has.Some.Contains("\"currency\":\"EUR\"").And.Some.Contains("\"currency\":\"CAD\""));
            Assert.That(bodies, Has.Some.Contains("ITEMS_ADD"), "a misspelled cart type");
            Assert.That(Plan.Events.Where(e => e.Kind == "checkout"), Has.Some.Matches<DemoEvent>(e => !e.Body.ContainsKey("orderId")), "a checkout without orderId");
            Assert.That(Plan.Events.Where(e => e.Kind == "checkout" && e.Body.ContainsKey("orderId"))
                .GroupBy(e => e.Body["orderId"]!.ToString()).Any(g => g.Count() > 1), Is.True, "an order sent twice");
            Assert.That(Plan.Events, Has.Some.Matches<DemoEvent>(e => e.Route == DemoRoute.Refund));
        });
    }
}
