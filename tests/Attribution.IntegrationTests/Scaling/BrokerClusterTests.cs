using System.Text.Json;
using Attribution.Engine;
using Attribution.IntegrationTests.Infrastructure;
using Attribution.LoadHarness;

namespace Attribution.IntegrationTests.Scaling;

/// <summary>
/// The gateway and an engine on a three-node RabbitMQ cluster (infra/broker-cluster.sh) with quorum
/// queues, knowing every node: under a steady load from the load harness, the node the engine is
/// connected to stops. Both reconnect to another node, the queues' leaders move, the gateway keeps
/// accepting, and every accepted event is stored exactly once and decided once. Started again, the
/// node rejoins its queues.
/// </summary>
[NonParallelizable]
public sealed class BrokerClusterTests
{
    private const double Rate = 60; // events/s: modest, three brokers share this machine with the test

    [Test]
    public async Task One_node_of_three_stopped_under_load_loses_nothing_and_doubles_nothing()
    {
        await using var cluster = await BrokerCluster.StartAsync();
        await using var system = await RunningSystem.StartAsync(gatewaySettings: cluster.Settings, engineSettings: cluster.Settings);

        var queues = await QueuesAsync(cluster, 1);
        foreach (var queue in EngineRegistration.ConsumedQueues)
        {
            Assert.That(queues.TryGetValue(queue, out var q), Is.True, $"{queue} declared");
            Assert.That(q.GetProperty("type").GetString(), Is.EqualTo("quorum"), $"{queue} is a quorum queue");
            Assert.That(q.GetProperty("members").GetArrayLength(), Is.EqualTo(3), $"{queue} replicated on the three nodes");
        }

        // The node the engine consumes through: stopping it drops the engine's connection, and the gateway's when they share it.
        var engineNode = await EngineNodeAsync(cluster, 1);
        TestContext.Out.WriteLine($"engine on node {engineNode}; connections: {await ConnectionsAsync(cluster, 1)}");
        var survivor = engineNode == 1 ? 2 : 1;

        var company = await system.CreateCompanyAsync("Broker cluster");
        using var load = new GatewayLoad(system.Http.BaseAddress!, RunningSystem.AdminToken, TestServices.Database);
        int accepted = 0, refused = 0;
        var running = load.SteadyRateAsync(company.CompanyKey, Rate, TimeSpan.FromSeconds(20),
            ok => { if (ok) Interlocked.Increment(ref accepted); else Interlocked.Increment(ref refused); });

        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref accepted)), n => n >= 3 * Rate, TimeSpan.FromSeconds(30), "load before the node stops");
        await cluster.StopNodeAsync(engineNode);
        var atStop = Volatile.Read(ref accepted);
        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref accepted)), n => n >= atStop + 3 * Rate, TimeSpan.FromSeconds(30),
            "events accepted (publishes confirmed) with one node of three stopped");
        var run = await running;
        TestContext.Out.WriteLine($"{run.Accepted.Count} accepted, {run.Refused} refused; engine now on node {await EngineNodeAsync(cluster, survivor)}");

        var ids = run.Accepted.Select(a => a.EventId).ToList();
        var found = await Poll.UntilAsync(() => StoredEvents.FindAsync(ids), f => f.Count == ids.Count, TimeSpan.FromSeconds(120),
            "every accepted event stored", failOnTimeout: false);
        Assert.That(ids.Where(id => !found.ContainsKey(id)).ToList(), Is.Empty, "accepted but never stored");
        await load.WaitUntilVisibleAsync(run, TimeSpan.FromSeconds(120));

        // A refused event may have reached the broker before its answer failed (a client resends it
        // with the same eventId): it may be stored, once. Nothing else, nothing twice.
        var refusedButStored = (await StoredEvents.FindAsync(run.RefusedIds)).Count;
        var stored = await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey);
        Assert.Multiple(async () =>
        {
            Assert.That(stored, Is.EqualTo(ids.Count + refusedButStored), "0 lost, 0 counted twice");
            Assert.That(await DecisionsAsync(company.CompanyKey), Is.EqualTo(stored), "one decision per stored event");
        });

        queues = await QueuesAsync(cluster, survivor);
        foreach (var queue in EngineRegistration.ConsumedQueues)
            TestContext.Out.WriteLine($"{queue}: leader {Field(queues[queue], "leader")}, online {Field(queues[queue], "online")}");

        // Started again, the node rejoins and every queue has its three members online again.
        await cluster.StartNodeAsync(engineNode);
        await Poll.UntilAsync(() => QueuesAsync(cluster, survivor),
            q => EngineRegistration.ConsumedQueues.All(name => q.TryGetValue(name, out var e) && e.TryGetProperty("online", out var online) && online.GetArrayLength() == 3),
            TimeSpan.FromSeconds(60), "every queue's three members online after the node is back");
    }

    private static string Field(JsonElement queue, string name) => queue.TryGetProperty(name, out var value) ? value.ToString() : "?";

    private static async Task<Dictionary<string, JsonElement>> QueuesAsync(BrokerCluster cluster, int node) =>
        (await cluster.ManagementAsync(node, "queues/%2F")).EnumerateArray().ToDictionary(q => q.GetProperty("name").GetString()!);

    // Every client connection and the node it is on, as the broker reports them (for the test's log).
    private static async Task<string> ConnectionsAsync(BrokerCluster cluster, int node) =>
        string.Join("; ", (await cluster.ManagementAsync(node, "connections")).EnumerateArray()
            .Select(c => $"{ConnectionName(c)} on {c.GetProperty("node").GetString()}"));

    private static async Task<int> EngineNodeAsync(BrokerCluster cluster, int askNode)
    {
        var connections = await Poll.UntilAsync(() => cluster.ManagementAsync(askNode, "connections"),
            c => c.EnumerateArray().Any(IsEngineBus), TimeSpan.FromSeconds(60), "the engine's bus connection in the broker's list");
        var erlangNode = connections.EnumerateArray().First(IsEngineBus).GetProperty("node").GetString()!;
        return Enumerable.Range(1, 3).Single(n => erlangNode == "rabbit@" + cluster.NodeName(n));
    }

    private static bool IsEngineBus(JsonElement connection) => ConnectionName(connection).StartsWith("Attribution.Engine ", StringComparison.Ordinal);

    private static string ConnectionName(JsonElement connection) =>
        connection.TryGetProperty("client_properties", out var p) && p.TryGetProperty("connection_name", out var n) ? n.GetString() ?? "" : "";

    private static async Task<long> DecisionsAsync(string companyKey)
    {
        await using var cmd = TestServices.Database.CreateCommand(
            "SELECT count(*) FROM event_store.documents WHERE type = 'attribution_decision' AND starts_with(id, $1)");
        cmd.Parameters.AddWithValue(companyKey + ":");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
