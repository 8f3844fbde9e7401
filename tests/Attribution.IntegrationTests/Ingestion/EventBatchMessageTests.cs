using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Attribution.Contracts.Ingestion;
using Attribution.Engine.Recording;
using Attribution.IntegrationTests.Infrastructure;
using MassTransit;
using static Attribution.IntegrationTests.Ingestion.SampleEvents;

namespace Attribution.IntegrationTests.Ingestion;

/// <summary>
/// Accepted events travelling together as one <see cref="EventBatchReceived"/> (contract §5),
/// through the real broker and database: a batch request is one broker message, concurrent single
/// events share messages within the linger, and either way each event is stored exactly once, in
/// its own company, and decided; a redelivered batch message stores nothing twice, and an event the
/// store cannot hold is faulted alone.
/// </summary>
[NonParallelizable]
public sealed class EventBatchMessageTests
{
    private RunningSystem _system = null!;
    private readonly PublishedMessages _published = new();
    private readonly ConsumedBatches _consumed = new();

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // A linger long enough that concurrent requests on a busy test machine surely meet.
        _system = await RunningSystem.StartAsync(engines: 0,
            gatewaySettings: new Dictionary<string, string?> { ["Publishing:LingerMilliseconds"] = "50" },
            configureGateway: s => s.AddPublishObserver(_ => _published));
        await _system.StartEngineAsync(s => s.AddConsumeObserver(_ => _consumed));
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _system.DisposeAsync();

    [Test]
    public async Task A_batch_request_is_one_broker_message_and_each_event_is_stored_once_and_decided()
    {
        var company = await _system.CreateCompanyAsync("One message per batch");
        var events = Enumerable.Range(0, 30).Select(i => (i % 3) switch
        {
            0 => WithKind(Cart($"fp_batch_{i % 5}"), "cart"),
            1 => WithKind(Checkout($"fp_batch_{i % 5}"), "checkout"),
            _ => Interaction($"fp_batch_{i % 5}"), // its own kind, SHOPPER_MESSAGE, names it
        }).ToList();
        var ids = events.Select(IdOf).ToList();

        using var response = await company.PostAsServerAsync("/v1/events/batch", new { events });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body);
        Assert.That(body, Does.Not.Contain("unavailable").And.Not.Contain("rejected"));

        var carrying = _published.Carrying(ids);
        Assert.That(carrying, Has.Count.EqualTo(1), "one broker message for the whole request");
        Assert.That(carrying[0], Is.InstanceOf<EventBatchReceived>());
        Assert.That(((EventBatchReceived)carrying[0]).Events.Select(Attribution.ServiceDefaults.Messaging.BatchedEvents.EventIdOf), Is.EqualTo(ids),
            "the same events, in request order");

        await StoredEvents.WaitForAsync(ids, "every event of the batch stored");
        await AssertStoredOnceAsync(company, ids);
        var decidable = ids.Where((_, i) => i % 3 != 2).ToList(); // carts and checkouts
        await Poll.UntilAsync(() => DecidedAsync(company, decidable), d => d.Count == decidable.Count, TimeSpan.FromSeconds(20),
            "every cart event and checkout of the batch decided");
    }

    [Test]
    public async Task Concurrent_single_events_share_broker_messages_and_each_is_stored_once_in_its_company()
    {
        var a = await _system.CreateCompanyAsync("Coalesced A");
        var b = await _system.CreateCompanyAsync("Coalesced B");
        var sent = Enumerable.Range(0, 60)
            .Select(i => (Company: i % 2 == 0 ? a : b, Path: i % 4 < 2 ? "/v1/events/cart" : "/v1/events/checkout",
                Body: i % 4 < 2 ? Cart($"fp_single_{i % 7}") : Checkout($"fp_single_{i % 7}")))
            .ToList();

        await Task.WhenAll(sent.Select(async s =>
        {
            using var response = await s.Company.PostAsBrowserAsync(s.Path, s.Body);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        }));

        var ids = sent.Select(s => IdOf(s.Body)).ToList();
        var carrying = _published.Carrying(ids);
        TestContext.Out.WriteLine($"{ids.Count} single events in {carrying.Count} broker messages");
        Assert.That(carrying.OfType<EventBatchReceived>(), Is.Not.Empty, "concurrent requests shared a message");
        Assert.That(carrying, Has.Count.LessThan(ids.Count), "fewer messages than events");

        await StoredEvents.WaitForAsync(ids, "every single event stored");
        foreach (var company in new[] { a, b })
            await AssertStoredOnceAsync(company, [.. sent.Where(s => s.Company == company).Select(s => IdOf(s.Body))]);
        var stored = await StoredEvents.FindAsync(ids);
        Assert.That(sent.Where(s => stored[IdOf(s.Body)].Tenant != s.Company.CompanyKey), Is.Empty, "each event in its own company");
    }

    [Test]
    public async Task A_redelivered_batch_message_stores_nothing_twice()
    {
        var company = await _system.CreateCompanyAsync("Redelivered batch");
        var messages = Enumerable.Range(0, 10).Select(i => (object)CartMessage(company.CompanyKey, $"fp_again_{i % 3}", "Shoe")).ToArray();
        var ids = messages.Select(m => ((CartEventReceived)m).EventId).ToList();
        var consumedBefore = _consumed.Count;

        Assert.That(await _system.PublishBatchAsAcceptedAsync(messages), Is.True);
        Assert.That(await _system.PublishBatchAsAcceptedAsync(messages), Is.True, "the same message again, as a redelivery brings it");

        await Poll.UntilAsync(() => Task.FromResult(_consumed.Count), n => n >= consumedBefore + 2, TimeSpan.FromSeconds(20), "both copies consumed");
        await StoredEvents.WaitForAsync(ids, "the batch's events stored");
        await AssertStoredOnceAsync(company, ids);
        Assert.That(await StoredEvents.CountIngestedForCompanyAsync(company.CompanyKey), Is.EqualTo(ids.Count), "nothing else stored");
    }

    [Test]
    public async Task An_event_the_store_cannot_hold_is_faulted_alone_from_its_batch_to_its_own_error_queue()
    {
        var company = await _system.CreateCompanyAsync("Poison in a batch");
        var errorQueue = UnstorableMessages.ErrorQueueOf(RecordingQueues.Of<CartEventReceived>());
        await using var broker = await TestServices.OpenBrokerConnectionAsync();
        var errorsBefore = await QueueCounts.MessagesAsync(broker, errorQueue);

        var valid = Enumerable.Range(0, 6).Select(i => CartMessage(company.CompanyKey, $"fp_mixed_{i}", "Shoe")).ToList();
        var poison = CartMessage(company.CompanyKey, "fp_poison", "a\u0000b"); // only the store refuses it
        Assert.That(await _system.PublishBatchAsAcceptedAsync([.. valid.Take(3), poison, .. valid.Skip(3)]), Is.True);

        var validIds = valid.Select(v => v.EventId).ToList();
        await Poll.UntilAsync(() => StoredEvents.FindInCompanyAsync(company.CompanyKey, validIds), f => f.Count == validIds.Count,
            TimeSpan.FromSeconds(10), "the valid events of the batch stored");
        await Poll.UntilAsync(() => QueueCounts.MessagesAsync(broker, errorQueue), n => n == errorsBefore + 1, TimeSpan.FromSeconds(10),
            "the poison, alone, in the cart queue's error queue");
        Assert.That(await StoredEvents.FindInCompanyAsync(company.CompanyKey, [poison.EventId]), Is.Empty, "the poison is not stored");
        await using (var channel = await broker.CreateChannelAsync())
        {
            var faulted = await channel.BasicGetAsync(errorQueue, autoAck: true);
            Assert.That(Encoding.UTF8.GetString(faulted!.Body.Span), Does.Contain(poison.EventId.ToString()).And.Not.Contain(validIds[0].ToString()),
                "the faulted message is the poison alone, as a cart event");
        }
        Assert.That(await StoredEvents.RejectionsAsync(company.CompanyKey), Has.Some.Matches<(string Kind, string[] Reasons)>(r => r.Reasons.Contains("not_stored")),
            "counted in its company's data-quality report");
    }

    private static Dictionary<string, object?> WithKind(Dictionary<string, object?> body, string kind)
    {
        body["kind"] = kind;
        return body;
    }

    private static CartEventReceived CartMessage(string companyKey, string fingerprint, string productName) => new()
    {
        EventId = Guid.NewGuid(), CompanyKey = companyKey, UserFingerprint = fingerprint, Type = CartEventType.ITEM_ADDED,
        ProductId = "SKU-1", ProductName = productName, Value = 1m, Currency = "USD", Quantity = 1,
        OccurredAt = DateTimeOffset.UtcNow, ReceivedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>Each id exactly once in the company's store.</summary>
    private static async Task AssertStoredOnceAsync(TestCompany company, IReadOnlyCollection<Guid> ids)
    {
        await using var cmd = TestServices.Database.CreateCommand("SELECT id, count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND id = ANY($2) GROUP BY id");
        cmd.Parameters.AddWithValue(company.CompanyKey);
        cmd.Parameters.AddWithValue(ids.ToArray());
        var counts = new Dictionary<Guid, long>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) counts[reader.GetGuid(0)] = reader.GetInt64(1);
        Assert.That(counts.Keys, Is.EquivalentTo(ids), "every event stored in its company");
        Assert.That(counts.Values, Is.All.EqualTo(1), "none stored twice");
    }

    /// <summary>The source events among <paramref name="ids"/> that have a decision.</summary>
    private static async Task<HashSet<Guid>> DecidedAsync(TestCompany company, IReadOnlyCollection<Guid> ids)
    {
        await using var cmd = TestServices.Database.CreateCommand("""
            SELECT DISTINCT (data->>'sourceEventId')::uuid FROM event_store.mt_events
            WHERE tenant_id = $1 AND type = 'attribution_decided.v2' AND (data->>'sourceEventId')::uuid = ANY($2)
            """);
        cmd.Parameters.AddWithValue(company.CompanyKey);
        cmd.Parameters.AddWithValue(ids.ToArray());
        var decided = new HashSet<Guid>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) decided.Add(reader.GetGuid(0));
        return decided;
    }

    /// <summary>Every message the gateway's bus published (and the broker confirmed).</summary>
    private sealed class PublishedMessages : IPublishObserver
    {
        private readonly ConcurrentQueue<object> _messages = new();

        /// <summary>The published messages that carry any of <paramref name="ids"/>.</summary>
        public List<object> Carrying(IReadOnlyCollection<Guid> ids)
        {
            var wanted = ids.ToHashSet();
            return [.. _messages.Where(m => EventIdsOf(m).Any(wanted.Contains))];
        }

        private static IEnumerable<Guid> EventIdsOf(object message) => message switch
        {
            EventBatchReceived b => b.Events.Select(Attribution.ServiceDefaults.Messaging.BatchedEvents.EventIdOf),
            CartEventReceived m => [m.EventId],
            CheckoutCompleted m => [m.EventId],
            InteractionRecorded m => [m.EventId],
            RefundRecorded m => [m.EventId],
            _ => [],
        };

        public Task PrePublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

        public Task PostPublish<T>(PublishContext<T> context) where T : class
        {
            _messages.Enqueue(context.Message);
            return Task.CompletedTask;
        }

        public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }

    /// <summary>How many <see cref="EventBatchReceived"/> messages the engine finished consuming.</summary>
    private sealed class ConsumedBatches : IConsumeObserver
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.Message is EventBatchReceived) Interlocked.Increment(ref _count);
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
