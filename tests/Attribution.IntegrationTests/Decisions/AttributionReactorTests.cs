using Attribution.Contracts.Ingestion;
using Attribution.Engine.Deciding;
using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.EventStore.StoredEvents;
using Attribution.ServiceDefaults.Companies;
using static Attribution.EventStore.StoredEvents.VisitorEvents;
using Attribution.Domain.Companies;
using Attribution.Domain.Visitors;
using Attribution.ReadModels.LatestDecisions;

namespace Attribution.IntegrationTests.Decisions;

/// <summary>The reactor driven directly over the real event store, for orderings the bus makes rare.</summary>
public sealed class AttributionReactorTests
{
    [Test]
    public async Task An_faq_exchange_recorded_in_the_same_batch_as_the_checkout_is_part_of_its_journey()
    {
        var (key, checkoutId, _) = await DecideOneBatchAsync("Same batch");

        await using var reading = await TestServices.Database.OpenConnectionAsync();
        var decision = (await DecisionReader.LatestAsync(reading, key, [checkoutId], CancellationToken.None))[checkoutId];
        Assert.That(decision.Attributed, Is.True, string.Join(" | ", decision.Reasons));
        Assert.That(decision.Credited!.Channel, Is.EqualTo(InteractionChannel.FAQ));
        Assert.That(decision.Revision, Is.EqualTo(1));
    }

    [Test]
    public async Task A_replay_reads_where_each_decision_stands_as_the_whole_document_says()
    {
        var (key, checkoutId, cartId) = await DecideOneBatchAsync("Standing");

        await using var reading = await TestServices.Database.OpenConnectionAsync();
        var (standing, through) = await DecisionReader.StandingOfCompanyAsync(reading, key, CancellationToken.None);
        var whole = await DecisionReader.LatestAsync(reading, key, [checkoutId, cartId], CancellationToken.None);

        Assert.That(standing.Keys, Is.EquivalentTo(new[] { checkoutId, cartId }));
        Assert.That(whole[checkoutId].Credited, Is.Not.Null, "one decision credits an interaction");
        Assert.That(whole[cartId].Credited, Is.Null, "the other credits none");
        foreach (var id in standing.Keys)
            Assert.That(Json(standing[id]), Is.EqualTo(Json(DecisionStanding.Of(whole[id]))), "the fields PostgreSQL picks out equal the deserialized document's");
        await using var last = TestServices.Database.CreateCommand("SELECT max(seq_id) FROM event_store.mt_events WHERE tenant_id = $1");
        last.Parameters.AddWithValue(key);
        Assert.That(through, Is.EqualTo((long)(await last.ExecuteScalarAsync())!), "complete up to the company's last stored event, its decisions included");
    }

    private static string Json(DecisionStanding standing) => System.Text.Encoding.UTF8.GetString(StoredJson.Utf8Of(standing));

    /// <summary>
    /// A new company's FAQ exchange and a checkout carrying its FAQ fingerprint, stored and decided in one
    /// reactor batch, with another visitor's cart event that no interaction precedes.
    /// </summary>
    private static async Task<(string Key, Guid CheckoutId, Guid CartId)> DecideOneBatchAsync(string companyName)
    {
        var options = new EventStoreOptions();
        options.Events.RegisterVisitorEvents().RegisterDecisionEvents();
        options.AddProjection(new LatestDecisionProjection(), ProjectionLifecycle.Inline);
        options.AddProjection(new LatestRefundProjection(), ProjectionLifecycle.Inline);
        var store = MartenEventStore.Create(TestServices.Database, options);
        var companies = new CompanyDirectory(TestServices.Database, TimeProvider.System);
        var (company, _) = await companies.CreateAsync(new Company { CompanyKey = "", Name = companyName, ReportingCurrency = "USD" }, CancellationToken.None);
        var key = company.CompanyKey;
        var t = DateTimeOffset.UtcNow.AddHours(-2);
        var checkoutId = Guid.NewGuid();
        var cartId = Guid.NewGuid();

        var message = new V1.VisitorInteractionRecorded(Guid.NewGuid(), key, null, "faq_9", InteractionChannel.FAQ, InteractionKind.SHOPPER_MESSAGE, "faq_c", "is it waterproof?", null, null, null, t, t);
        var answer = message with { EventId = Guid.NewGuid(), Kind = InteractionKind.ASSISTANT_ANSWER, Text = null, Helpful = true, OccurredAt = t.AddMinutes(1) };
        var checkout = new V1.CheckoutRecorded(checkoutId, key, "fp_9", "faq_9", "O-9", 42m, "USD", [], false, "api", t.AddHours(1), t.AddHours(1));
        var cart = new V1.CartEventRecorded(cartId, key, "fp_8", null, CartEventType.ITEM_ADDED, "SKU-8", "Sock", 9.5m, "USD", 2, t, t);
        await store.AppendAsync(
        [
            new StreamAppend(VisitorKey.StreamId(key, "fp_9"), key, ExpectedVersion.Any, [new NewEvent(checkoutId, checkout)]),
            new StreamAppend(VisitorKey.StreamId(key, VisitorKey.Of(null, "faq_9")), key, ExpectedVersion.Any,
                [new NewEvent(message.EventId, message), new NewEvent(answer.EventId, answer)]),
            new StreamAppend(VisitorKey.StreamId(key, "fp_8"), key, ExpectedVersion.Any, [new NewEvent(cartId, cart)]),
        ]);

        var reactor = new AttributionReactor(store, store, companies);
        await using var connection = await TestServices.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var batch = await store.ReadAllAsync(0, int.MaxValue);
        await reactor.ApplyAsync(new ProjectionBatch(connection, tx, batch.Where(e => e.TenantId == key).ToList()), CancellationToken.None);
        await tx.CommitAsync(); // the decisions commit with the projection's transaction, as the runner commits it
        return (key, checkoutId, cartId);
    }
}
