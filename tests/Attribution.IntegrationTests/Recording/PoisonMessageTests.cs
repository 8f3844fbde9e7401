using System.Net;
using System.Text;
using Attribution.Contracts.Ingestion;
using Attribution.Engine.Recording;
using Attribution.IntegrationTests.Infrastructure;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Recording;

/// <summary>
/// One event the store cannot hold never takes its neighbours down: sent among valid events of two
/// companies at once, the valid ones are stored (and decided) at once, a poison the gateway can see
/// is a 400, and a poison only the store can detect goes, alone, to the error queue and into its own
/// company's data-quality report.
/// </summary>
[NonParallelizable]
public sealed class PoisonMessageTests
{
    [Test]
    public async Task A_poison_event_among_valid_events_of_two_companies_is_faulted_alone_and_nothing_stalls()
    {
        await using var system = await RunningSystem.StartAsync();
        var a = await system.CreateCompanyAsync("Poison A");
        var b = await system.CreateCompanyAsync("Poison B");
        var cartQueue = RecordingQueues.Of<CartEventReceived>();
        var errorQueue = UnstorableMessages.ErrorQueueOf(cartQueue);
        await using var broker = await TestServices.OpenBrokerConnectionAsync();
        var errorsBefore = await QueueCounts.MessagesAsync(broker, errorQueue);

        // What only the store can detect: a message that reached the bus without the gateway's checks.
        var poisonId = Guid.NewGuid();
        var poison = new CartEventReceived
        {
            EventId = poisonId, CompanyKey = a.CompanyKey, UserFingerprint = "fp_poison", Type = CartEventType.ITEM_ADDED,
            ProductId = "SKU-1", ProductName = "a\u0000b", Value = 1m, Currency = "USD", Quantity = 1,
            OccurredAt = DateTimeOffset.UtcNow, ReceivedAt = DateTimeOffset.UtcNow,
        };
        var valid = Enumerable.Range(0, 40)
            .Select(i => (Company: i % 2 == 0 ? a : b, Body: i % 4 < 2 ? Cart($"fp_valid_{i}") : Checkout($"fp_valid_{i}")))
            .ToList();

        var sent = DateTime.UtcNow;
        var posts = valid.Select(async v =>
        {
            var path = v.Body.ContainsKey("orderId") ? "/v1/events/checkout" : "/v1/events/cart";
            using var response = await v.Company.PostAsBrowserAsync(path, v.Body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        }).ToList();
        // What the gateway can see: a NUL in a text field is a 400 naming it, never a 202.
        posts.Add(Task.Run(async () =>
        {
            var body = Cart("fp_poison_http");
            body["productName"] = "a\u0000b";
            using var response = await a.PostAsBrowserAsync("/v1/events/cart", body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("productName"));
        }));
        posts.Add(Task.Run(async () => Assert.That(await system.PublishAsAcceptedAsync(poison, poisonId), Is.True)));
        await Task.WhenAll(posts);

        foreach (var company in new[] { a, b })
        {
            var ids = valid.Where(v => v.Company == company).Select(v => IdOf(v.Body)).ToList();
            await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(company.CompanyKey, ids), found => found.Count == ids.Count,
                TimeSpan.FromSeconds(5), $"every valid event of {company.CompanyKey} stored, well before a stalled batch's retries would end");
        }
        TestContext.Out.WriteLine($"every valid event stored {(DateTime.UtcNow - sent).TotalMilliseconds:0} ms after the first post");

        await Poll.UntilAsync(() => QueueCounts.MessagesAsync(broker, errorQueue), n => n == errorsBefore + 1, TimeSpan.FromSeconds(10),
            "the poison in the cart queue's error queue");
        Assert.That(await StoredEvents.FindInCompanyAsync(a.CompanyKey, [poisonId]), Is.Empty, "the poison is not stored");
        Assert.That(await QueueCounts.MessagesAsync(broker, errorQueue), Is.EqualTo(errorsBefore + 1), "only the poison is faulted");
        await using (var channel = await broker.CreateChannelAsync())
        {
            var faulted = await channel.BasicGetAsync(errorQueue, autoAck: true);
            Assert.That(Encoding.UTF8.GetString(faulted!.Body.Span), Does.Contain(poisonId.ToString()));
        }

        var reportA = await a.GetJsonAsync($"/v1/data-quality?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        var reportB = await b.GetJsonAsync($"/v1/data-quality?from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}");
        Assert.That(NotStored(reportA), Is.EqualTo(1), "the poison's company counts it");
        Assert.That(NotStored(reportB), Is.Zero, "the other company's report is untouched");

        // Nothing else stalls: the cart queue still flows after the fault.
        var after = Cart("fp_after_poison");
        using (var response = await b.PostAsBrowserAsync("/v1/events/cart", after))
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(b.CompanyKey, [IdOf(after)]), f => f.Count == 1, TimeSpan.FromSeconds(5),
            "an event after the poison stored");
    }

    private static int NotStored(System.Text.Json.JsonElement report) =>
        report.GetProperty("reasons").EnumerateArray()
            .Where(r => r.GetProperty("reason").GetString() == "not_stored")
            .Select(r => r.GetProperty("count").GetInt32())
            .FirstOrDefault();
}
