using Attribution.ServiceDefaults.Messaging;

namespace Attribution.UnitTests.ServiceDefaults;

public sealed class RabbitMqAddressTests
{
    [Test]
    public void The_default_url_is_the_root_vhost_as_guest() =>
        Assert.That(RabbitMqAddress.Parse("amqp://guest:guest@127.0.0.1:5672/"),
            Is.EqualTo(new RabbitMqAddress("127.0.0.1", 5672, "/", "guest", "guest")));

    [Test]
    public void Vhost_user_and_password_are_unescaped() =>
        Assert.That(RabbitMqAddress.Parse("amqp://app%40x:p%2Fw@rabbit/tenant%2Fa"),
            Is.EqualTo(new RabbitMqAddress("rabbit", 5672, "tenant/a", "app@x", "p/w")));
}
