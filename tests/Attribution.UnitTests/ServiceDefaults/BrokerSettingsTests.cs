using Attribution.ServiceDefaults.Configuration;
using Attribution.ServiceDefaults.Messaging;
using Microsoft.Extensions.Configuration;

namespace Attribution.UnitTests.ServiceDefaults;

public sealed class BrokerSettingsTests
{
    private static AttributionSettings From(params (string Key, string Value)[] values) =>
        AttributionSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Test]
    public void Without_broker_settings_there_is_one_node_and_classic_queues()
    {
        var settings = From();
        Assert.That(settings.BrokerQueueType, Is.EqualTo(BrokerQueueType.Classic));
        Assert.That(BrokerNodes.Of(settings), Is.EqualTo(new[] { ("127.0.0.1", 5672) }));
    }

    [Test]
    public void The_url_node_comes_first_and_each_node_once()
    {
        var settings = From(("RABBITMQ_URL", "amqp://u:p@10.0.0.1:5681/v"), ("Broker:Nodes", "10.0.0.1:5681, 10.0.0.2:5682,rabbit3"));
        Assert.That(BrokerNodes.Of(settings), Is.EqualTo(new[] { ("10.0.0.1", 5681), ("10.0.0.2", 5682), ("rabbit3", 5672) }));
    }

    [TestCase("quorum", BrokerQueueType.Quorum)]
    [TestCase("Quorum", BrokerQueueType.Quorum)]
    [TestCase("classic", BrokerQueueType.Classic)]
    [TestCase("", BrokerQueueType.Classic)]
    public void The_queue_type_is_read(string value, BrokerQueueType expected) =>
        Assert.That(From(("Broker:QueueType", value)).BrokerQueueType, Is.EqualTo(expected));

    [Test]
    public void An_unknown_queue_type_stops_the_start() =>
        Assert.That(() => From(("Broker:QueueType", "stream")), Throws.InvalidOperationException.With.Message.Contains("Broker:QueueType"));
}
