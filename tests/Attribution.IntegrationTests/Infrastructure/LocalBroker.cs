using System.Diagnostics;

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

    public static Task StopAsync() => RunAsync("stop_app");

    public static Task StartAsync() => RunAsync("start_app");

    private static async Task RunAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo(RabbitMqCtl, $"-n rabbit@localhost {command}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"rabbitmqctl {command}: {await process.StandardError.ReadToEndAsync()}");
    }
}
