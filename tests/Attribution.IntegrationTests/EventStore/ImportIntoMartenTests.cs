using Attribution.Contracts.Ingestion;
using Attribution.EventStore;
using Attribution.IntegrationTests.Infrastructure;
using Attribution.ServiceDefaults.Database;
using Npgsql;
using Attribution.EventStore.StoredEvents;

namespace Attribution.IntegrationTests.EventStore;

/// <summary>
/// An installation whose events the hand-written store recorded keeps them: the migration moves
/// them into Marten's tables with their sequence numbers, stream versions, metadata and each
/// projection's position, and the store then reads, appends and deduplicates as if they had
/// always been there.
/// </summary>
public sealed class ImportIntoMartenTests
{
    private const string Company = "ck_before_marten";

    [Test]
    public async Task A_database_the_hand_written_store_filled_keeps_its_events_streams_metadata_and_positions()
    {
        await using var scratch = await TestServices.CreateEmptyDatabaseAsync("before_marten");
        await using var db = NpgsqlDataSource.Create(scratch.PostgresConnection);

        // The schema as the build before Marten left it: the old store's tables and the application's.
        await SchemaMigrator.MigrateAsync(db,
        [
            new SchemaComponent("event_store", typeof(MartenEventStore).Assembly, "Schema"),
            new SchemaComponent("app", typeof(DatabaseExtensions).Assembly),
        ], first: null, CancellationToken.None);

        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var added = new VisitorEvents.V1.CartEventRecorded(Guid.NewGuid(), Company, "fp_old", null, CartEventType.ITEM_ADDED,
            "SKU-1", "Tempo Racer", 49.99m, "USD", 2, at, at);
        var bought = new VisitorEvents.V1.CheckoutRecorded(Guid.NewGuid(), Company, "fp_old", null, "order-old-1", 99.98m, "USD",
            [new CheckoutLineItem("SKU-1", "Tempo Racer", 2, 49.99m, "USD")], false, "browser", at.AddMinutes(5), at.AddMinutes(5));
        const string stream = $"visitor:{Company}:fp_old";
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        await ExecuteAsync(db, """
            INSERT INTO event_store.streams (id, tenant_id, version) VALUES ($1, $2, 2)
            """, stream, Company);
        // Sequence numbers with a gap (a rolled-back append), as a live store has them.
        await ExecuteAsync(db, """
            INSERT INTO event_store.events (seq_id, id, stream_id, version, tenant_id, type, data, metadata)
            OVERRIDING SYSTEM VALUE VALUES
              (41, $1, $3, 1, $4, 'cart_event_recorded.v1', $5::jsonb, jsonb_build_object('traceParent', $7::text)),
              (43, $2, $3, 2, $4, 'checkout_recorded.v1', $6::jsonb, '{}'::jsonb)
            """, added.EventId, bought.EventId, stream, Company,
            System.Text.Encoding.UTF8.GetString(StoredJson.Utf8Of(added)), System.Text.Encoding.UTF8.GetString(StoredJson.Utf8Of(bought)), traceParent);
        await ExecuteAsync(db, """
            INSERT INTO event_store.projection_checkpoints (name, last_seq_id)
            VALUES ('revenue', 43), ('visitor_carts', 41), ('data_quality', 43), ('engagement', 43), ('attribution_decisions', 43)
            """);

        await DatabaseExtensions.MigrateAsync(db, CancellationToken.None);

        Assert.That(await ScalarAsync<bool>(db, "SELECT to_regclass('event_store.events') IS NULL AND to_regclass('event_store.streams') IS NULL"),
            Is.True, "the old tables are gone");
        // The read models' shared subscription starts where the furthest behind of them was.
        Assert.That(await ScalarAsync<long>(db, "SELECT last_seq_id FROM event_store.mt_event_progression WHERE name = 'read_models:All'"), Is.EqualTo(41));
        Assert.That(await ScalarAsync<long>(db, "SELECT last_seq_id FROM event_store.mt_event_progression WHERE name = 'attribution_decisions:All'"), Is.EqualTo(43));
        Assert.That(await ScalarAsync<long>(db, "SELECT count(*) FROM event_store.mt_event_progression WHERE name = 'revenue:All'"), Is.Zero,
            "a read model's own progression row is gone");

        var options = new EventStoreOptions();
        options.Events.RegisterVisitorEvents();
        var store = MartenEventStore.Create(db, options);
        var events = await store.ReadStreamAsync(stream);
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Sequence), Is.EqualTo(new long[] { 41, 43 }), "sequence numbers kept");
            Assert.That(events.Select(e => e.Version), Is.EqualTo(new long[] { 1, 2 }));
            Assert.That(events.Select(e => e.TenantId).Distinct(), Is.EqualTo(new[] { Company }));
            Assert.That(events[0].Data, Is.EqualTo(added));
            Assert.That(events[1].Data, Is.EqualTo(bought).Using<VisitorEvents.V1.CheckoutRecorded>((a, b) => a.EventId == b.EventId && a.Value == b.Value && a.OrderId == b.OrderId));
            Assert.That(events[0].Metadata.TraceParent, Is.EqualTo(traceParent), "the trace carried over to Marten's headers");
        });

        var next = await store.AppendAsync([new StreamAppend(stream, Company, ExpectedVersion.Exactly(2),
            [new NewEvent(Guid.NewGuid(), added with { EventId = Guid.NewGuid(), Type = CartEventType.ITEM_REMOVED })])]);
        var again = await store.AppendAsync([new StreamAppend(stream, Company, ExpectedVersion.Any, [new NewEvent(bought.EventId, bought)])]);
        Assert.Multiple(() =>
        {
            Assert.That(next.Events.Single().Version, Is.EqualTo(3), "the stream goes on from its imported version");
            Assert.That(next.Events.Single().Sequence, Is.GreaterThan(43), "Marten's sequence goes on past the imported events");
            Assert.That(again.Duplicates, Is.EqualTo(1), "an imported event id is still the idempotency key");
        });
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, params object[] parameters)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
