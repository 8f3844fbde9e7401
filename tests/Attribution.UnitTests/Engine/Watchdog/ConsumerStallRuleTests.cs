using Attribution.Engine.Watchdog;

namespace Attribution.UnitTests.Engine.Watchdog;

public sealed class ConsumerStallRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static QueueSample Waiting(uint consumers) => new("attribution-record-cart-event-received", 12, consumers);

    [Test]
    public void Messages_waiting_with_no_consumer_past_the_limit_is_a_stall()
    {
        var (state, stalled) = ConsumerStallRule.Observe(ConsumerStallRule.State.Healthy, [Waiting(0)], T0, Limit);
        Assert.That(stalled, Is.False, "the first sight starts the clock");
        (state, stalled) = ConsumerStallRule.Observe(state, [Waiting(0)], T0.AddSeconds(60), Limit);
        Assert.That(stalled, Is.False, "exactly the limit is still within it");
        (_, stalled) = ConsumerStallRule.Observe(state, [Waiting(0)], T0.AddSeconds(61), Limit);
        Assert.That(stalled, Is.True);
    }

    [Test]
    public void A_consumer_coming_back_resets_the_clock()
    {
        var (state, _) = ConsumerStallRule.Observe(ConsumerStallRule.State.Healthy, [Waiting(0)], T0, Limit);
        (state, _) = ConsumerStallRule.Observe(state, [Waiting(1)], T0.AddSeconds(30), Limit);
        Assert.That(state.StalledSince, Is.Null);
        (state, var stalled) = ConsumerStallRule.Observe(state, [Waiting(0)], T0.AddSeconds(61), Limit);
        Assert.That(stalled, Is.False, "a new stall, 0 s old");
        Assert.That(state.StalledSince, Is.EqualTo(T0.AddSeconds(61)));
    }

    [Test]
    public void An_unreachable_broker_or_an_empty_queue_is_no_stall()
    {
        var (state, _) = ConsumerStallRule.Observe(ConsumerStallRule.State.Healthy, [Waiting(0)], T0, Limit);
        var (afterOutage, stalled) = ConsumerStallRule.Observe(state, null, T0.AddSeconds(120), Limit);
        Assert.That((stalled, afterOutage.StalledSince), Is.EqualTo((false, (DateTimeOffset?)null)), "MassTransit reconnects by itself once the broker is back");

        var (_, idle) = ConsumerStallRule.Observe(state, [new QueueSample("q", 0, 0)], T0.AddSeconds(120), Limit);
        Assert.That(idle, Is.False, "no consumer and nothing waiting: an engine restarting, not a stall");
    }

    [Test]
    public void Known_per_engine_an_engine_holding_no_consumer_stalls_even_while_another_engine_consumes()
    {
        // Two engines, nothing waiting: the other engine consumes everything, this one's bus never came back.
        var otherConsumes = new QueueSample("q", Messages: 0, Consumers: 1, OwnConsumers: 0);
        var (state, stalled) = ConsumerStallRule.Observe(ConsumerStallRule.State.Healthy, [otherConsumes], T0, Limit);
        Assert.That(stalled, Is.False, "the first sight starts the clock");
        (_, stalled) = ConsumerStallRule.Observe(state, [otherConsumes], T0.AddSeconds(61), Limit);
        Assert.That(stalled, Is.True, "judged by the queue's totals alone, this stall goes unseen");
    }

    [Test]
    public void Known_per_engine_an_engine_holding_its_consumer_is_healthy_under_a_backlog()
    {
        var backlog = new QueueSample("q", Messages: 5_000, Consumers: 2, OwnConsumers: 1);
        var (state, _) = ConsumerStallRule.Observe(ConsumerStallRule.State.Healthy, [backlog], T0, Limit);
        var (next, stalled) = ConsumerStallRule.Observe(state, [backlog], T0.AddSeconds(120), Limit);
        Assert.That((stalled, next.StalledSince), Is.EqualTo((false, (DateTimeOffset?)null)));
    }
}
