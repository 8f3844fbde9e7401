namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>
/// Stops and starts the RabbitMQ application of the local node that infra/services.sh runs
/// (rabbitmqctl stop_app / start_app), for outage tests. The Erlang node stays up, so start is quick.
/// </summary>
public static class LocalBroker
{
    private const string RabbitMqCtl = "/usr/sbin/rabbitmqctl";

    public static void IgnoreUnlessLocal()
    {
        if (!File.Exists(RabbitMqCtl)) Assert.Ignore("needs the local RabbitMQ from infra/services.sh");
    }

    public static Task StopAsync() => LocalTool.RunAsync(RabbitMqCtl, "-n", "rabbit@localhost", "stop_app");

    public static Task StartAsync() => LocalTool.RunAsync(RabbitMqCtl, "-n", "rabbit@localhost", "start_app");
}
