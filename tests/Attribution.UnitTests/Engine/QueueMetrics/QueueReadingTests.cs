using Attribution.Engine.Broker;
using Attribution.Engine.QueueMetrics;

namespace Attribution.UnitTests.Engine.QueueMetrics;

public sealed class QueueReadingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static QueueStatistics Queue(string name, long ready, long unacked = 0, long consumers = 1, DateTimeOffset? head = null) =>
        new(name, ready + unacked, ready, unacked, consumers, head?.ToUnixTimeSeconds());

    [Test]
    public void Only_the_watched_queues_are_read_with_their_depth_unacknowledged_and_consumers()
    {
        var readings = QueueReading.Of(
            [Queue("attribution-record-cart-event-received", ready: 7, unacked: 200, consumers: 2, head: Now.AddSeconds(-3)), Queue("someone-elses", ready: 99)],
            ["attribution-record-cart-event-received", "attribution-record-cart-event-received_error"], Now);

        Assert.That(readings, Is.EqualTo(new[] { new QueueReading("attribution-record-cart-event-received", 7, 200, 2, 3) }),
            "an error queue not declared yet is left out, and so is a queue not watched");
    }

    [Test]
    public void The_lag_is_the_age_of_the_oldest_waiting_message_and_zero_when_none_waits()
    {
        var readings = QueueReading.Of(
            [Queue("waiting", ready: 5, head: Now.AddSeconds(-42)), Queue("drained", ready: 0, unacked: 10), Queue("clock-skew", ready: 1, head: Now.AddSeconds(2))],
            ["waiting", "drained", "clock-skew"], Now);

        Assert.That(readings.ToDictionary(r => r.Queue, r => r.LagSeconds), Is.EqualTo(new Dictionary<string, double?>
        {
            ["waiting"] = 42, ["drained"] = 0, ["clock-skew"] = 0,
        }));
    }

    [Test]
    public void Waiting_messages_without_a_timestamp_have_no_lag_rather_than_a_made_up_one() =>
        Assert.That(QueueReading.Of([Queue("unstamped", ready: 3)], ["unstamped"], Now).Single().LagSeconds, Is.Null);
}
