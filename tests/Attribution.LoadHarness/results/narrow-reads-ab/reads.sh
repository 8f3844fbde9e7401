#!/usr/bin/env bash
# The reads behind narrow-reads-ab's numbers, timed in one process on a load harness's scratch database
# (left by a `--replay-only` run): the replay's set-up (750,000 latest decisions and 250,000 checkouts,
# read whole and deserialized, against the fields picked out in SQL) and its passes' reads of the
# visitors' streams (read, deserialized whole, deserialized into the fields deciding uses). Three rounds.
#   bash tests/Attribution.LoadHarness/results/narrow-reads-ab/reads.sh [DATABASE, default attribution_load_replay]
# Run it under the test lock, with nothing else running. Needs the SDK's file-based `dotnet run`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export READS_CONNECTION="Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=${1:-attribution_load_replay}"
sed "s|REPO|$repo|" >"$work/Reads.cs" <<'CS'
#:project REPO/services/Attribution.ReadModels/Attribution.ReadModels.csproj
#:property TreatWarningsAsErrors=false
#:property Nullable=enable
#:property PublishAot=false
using System.Diagnostics;
using System.Text.Json;
using Attribution.EventStore;
using Attribution.ReadModels.LatestDecisions;
using Npgsql;
using static Attribution.EventStore.StoredEvents.DecisionEvents;
using V1 = Attribution.EventStore.StoredEvents.VisitorEvents.V1;

const string Company = "ck_load_replay";
var cs = Environment.GetEnvironmentVariable("READS_CONNECTION")!;
await using var ds = NpgsqlDataSource.Create(cs);

// Whole rows' JSON, read apart from deserializing it (the split is what is timed, so not through the store's readers).
async Task<List<byte[]>> ReadDataAsync(string sql)
{
    var data = new List<byte[]>();
    await using var c = ds.CreateCommand(sql);
    c.Parameters.AddWithValue(Company);
    await using var r = await c.ExecuteReaderAsync();
    while (await r.ReadAsync()) data.Add(r.GetFieldValue<byte[]>(0));
    return data;
}

Console.WriteLine("== the replay's set-up: latest decisions and checkouts, whole or picked out in SQL");
for (int round = 0; round < 3; round++)
{
    var sw = Stopwatch.StartNew();
    var docs = await ReadDataAsync("SELECT data FROM event_store.documents WHERE type = 'attribution_decision' AND data->>'companyKey' = $1");
    Console.WriteLine($"docs read raw: {docs.Count} in {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    var full = new Dictionary<Guid, V2.AttributionDecided>();
    foreach (var b in docs) { var d = JsonSerializer.Deserialize<V2.AttributionDecided>(b, EventTypeRegistry.SerializerOptions)!; full[d.SourceEventId] = d; }
    Console.WriteLine($"docs full deserialize: {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    await using (var connection = await ds.OpenConnectionAsync())
    {
        var (standing, _) = await DecisionReader.StandingOfCompanyAsync(connection, Company, CancellationToken.None);
        Console.WriteLine($"docs picked out in SQL (DecisionReader.StandingOfCompanyAsync): {standing.Count} in {sw.ElapsedMilliseconds} ms");
    }

    sw.Restart();
    var checkouts = await ReadDataAsync("SELECT data FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'checkout_recorded.v1' ORDER BY seq_id");
    Console.WriteLine($"checkouts read raw: {checkouts.Count} in {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    foreach (var b in checkouts) JsonSerializer.Deserialize<V1.CheckoutRecorded>(b, EventTypeRegistry.SerializerOptions);
    Console.WriteLine($"checkouts full deserialize: {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    // The reactor's query (private to it), read as it reads it.
    var n = 0;
    await using (var c = ds.CreateCommand("""
        SELECT seq_id, stream_id, (data->>'eventId')::uuid, data->>'orderId', data->>'userFingerprint', data->>'userFaqFingerprint',
               coalesce((data->>'test')::boolean, false), data->>'source'
        FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'checkout_recorded.v1' AND data->>'orderId' IS NOT NULL ORDER BY seq_id
        """))
    {
        c.Parameters.AddWithValue(Company);
        await using var r = await c.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            r.GetInt64(0); r.GetString(1); r.GetGuid(2); r.GetString(3);
            if (!r.IsDBNull(4)) r.GetString(4);
            if (!r.IsDBNull(5)) r.GetString(5);
            r.GetBoolean(6);
            if (!r.IsDBNull(7)) r.GetString(7);
            n++;
        }
    }
    Console.WriteLine($"checkouts picked out in SQL: {n} in {sw.ElapsedMilliseconds} ms");
}
Console.WriteLine("== the passes' reads: the visitors' streams, 1,000 visitors a statement");
var streams = new List<string>();
await using (var c = ds.CreateCommand("SELECT id FROM event_store.mt_streams WHERE tenant_id = $1 AND id LIKE 'visitor:%' ORDER BY id"))
{
    c.Parameters.AddWithValue(Company);
    await using var r = await c.ExecuteReaderAsync();
    while (await r.ReadAsync()) streams.Add(r.GetString(0));
}
Console.WriteLine($"{streams.Count} streams");
var o = EventTypeRegistry.SerializerOptions;
for (var round = 0; round < 3; round++)
{
    var raw = new List<(string Type, byte[] Data)>();
    var sw = Stopwatch.StartNew();
    foreach (var chunk in streams.Chunk(1000))
    {
        // MartenEventStore.ReadStreamsAsync's statement, read without deserializing (timed next).
        await using var c = ds.CreateCommand("SELECT seq_id, id, stream_id, version, tenant_id, type, data, headers->>'traceparent', correlation_id, causation_id, timestamp FROM event_store.mt_events WHERE stream_id = ANY($1) ORDER BY seq_id");
        c.Parameters.AddWithValue(chunk);
        await using var r = await c.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            r.GetInt64(0); r.GetGuid(1); r.GetString(2); r.GetInt64(3); r.GetString(4);
            raw.Add((r.GetString(5), r.GetFieldValue<byte[]>(6)));
            if (!r.IsDBNull(7)) r.GetString(7);
            r.GetFieldValue<DateTimeOffset>(10);
        }
    }
    Console.WriteLine($"read {raw.Count} events in {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    foreach (var (type, data) in raw)
        _ = type switch
        {
            "cart_event_recorded.v1" => (object)JsonSerializer.Deserialize<V1.CartEventRecorded>(data, o)!,
            "checkout_recorded.v1" => JsonSerializer.Deserialize<V1.CheckoutRecorded>(data, o)!,
            "interaction_recorded.v1" => JsonSerializer.Deserialize<V1.VisitorInteractionRecorded>(data, o)!,
            _ => null!,
        };
    Console.WriteLine($"full deserialize {sw.ElapsedMilliseconds} ms");
    sw.Restart();
    foreach (var (type, data) in raw)
        _ = type switch
        {
            "cart_event_recorded.v1" => (object)JsonSerializer.Deserialize<Cart>(data, o)!,
            "checkout_recorded.v1" => JsonSerializer.Deserialize<Checkout>(data, o)!,
            "interaction_recorded.v1" => JsonSerializer.Deserialize<Interaction>(data, o)!,
            _ => null!,
        };
    Console.WriteLine($"narrow deserialize {sw.ElapsedMilliseconds} ms");
}
record Cart(Guid EventId, string? UserFingerprint, string? UserFaqFingerprint, Attribution.Contracts.Ingestion.CartEventType Type, string ProductId, decimal Value, string Currency, int Quantity, DateTimeOffset OccurredAt);
record Checkout(Guid EventId, string? UserFingerprint, string? UserFaqFingerprint, string? OrderId, decimal Value, string Currency, bool Test, DateTimeOffset OccurredAt);
record Interaction(Guid EventId, string? UserFingerprint, string? UserFaqFingerprint, Attribution.Contracts.Ingestion.InteractionChannel Channel, Attribution.Contracts.Ingestion.InteractionKind Kind, string? ConversationId, string? Text, bool? Helpful, string? NudgeId, string? Variant, DateTimeOffset OccurredAt);
CS
cd "$work" && dotnet run -c Release Reads.cs 2>&1 | grep -v ': warning '
