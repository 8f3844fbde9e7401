using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Attribution.Contracts.Ingestion;
using Attribution.Engine;
using Attribution.Engine.Replay;
using Attribution.EventStore.Projections;
using Attribution.ReadModels.Revenue;
using Attribution.EventStore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;
using Attribution.EventStore.StoredEvents;
using Attribution.ServiceDefaults.Companies;

namespace Attribution.LoadHarness;

/// <summary>The replay benchmark's figures: the raw COPY, the first replay (nothing decided yet), the same again, and after a window change.</summary>
public sealed record ReplayFigures(Figure Copy, Figure Replay, Figure ReplayAgain, Figure AfterWindowChange);

/// <summary>
/// Replay at scale in a scratch database of its own (so the running engine never sees the data):
/// a company's history of N stored events is written with PostgreSQL COPY (the raw database
/// figure), then the engine's own replay (the code behind POST /v1/replay and the `replay` verb)
/// re-decides every visitor and rebuilds the company's read models.
/// </summary>
public static class ReplayBenchmark
{
    private const string CompanyKey = "ck_load_replay";

    /// <summary>The window the history is first decided under, and the one an operator then sets.</summary>
    private const int WindowBefore = 24, WindowAfter = 48;

    public static async Task<ReplayFigures> RunAsync(string adminConnection, int events)
    {
        var scratch = await ScratchDatabaseAsync(adminConnection, "attribution_load_replay");
        await using (var db = NpgsqlDataSource.Create(scratch))
        {
            await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAsync(db, CancellationToken.None);
            await using (var company = db.CreateCommand("""
                INSERT INTO app.companies (company_key, name, api_secret_hash, reporting_currency) VALUES ($1, 'Replay benchmark', $2, 'USD')
                """))
            {
                company.Parameters.AddWithValue(CompanyKey);
                company.Parameters.AddWithValue(SHA256.HashData(RandomNumberGenerator.GetBytes(32)));
                await company.ExecuteNonQueryAsync();
            }
            var copy = await CopyHistoryAsync(db, events);
            // After a bulk load, statistics first (as any database would have them by autovacuum):
            // without them the planner guesses that an orderId lookup matches everything and scans
            // the whole table for each batch of visitors.
            await using (var analyze = db.CreateCommand("ANALYZE event_store.mt_events; ANALYZE event_store.mt_streams"))
                await analyze.ExecuteNonQueryAsync();
            // No projection daemon runs here: mark the read-model projections as caught up with the history,
            // as on a live system whose daemon is current. The replay then takes them past its own decisions.
            await using (var caughtUp = db.CreateCommand("""
                INSERT INTO event_store.projection_checkpoints (name, last_seq_id)
                SELECT unnest($1::text[]), (SELECT coalesce(max(seq_id), 0) FROM event_store.mt_events)
                ON CONFLICT (name) DO UPDATE SET last_seq_id = excluded.last_seq_id
                """))
            {
                caughtUp.Parameters.AddWithValue(new[] { Attribution.EventStore.Projections.ProjectionNames.Revenue, Attribution.EventStore.Projections.ProjectionNames.DataQuality });
                await caughtUp.ExecuteNonQueryAsync();
            }

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["POSTGRES_CONNECTION"] = scratch });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddFilter(typeof(CompanyReplay).FullName, LogLevel.Information); // its two phases' times
            builder.AddAttributionEngine();
            using var host = builder.Build(); // not started: no bus, no daemon; the replay alone
            // As the engine's replay verb does: the pool registered, the company inserted above placed in it.
            await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAllAsync(host.Services, CancellationToken.None);
            var clock = Stopwatch.StartNew();
            var changed = await host.Services.GetRequiredService<CompanyReplay>().RunAsync(CompanyKey, CancellationToken.None);
            var replay = new Figure("Replay (re-decide + rebuild read models)", events, clock.Elapsed.TotalSeconds,
                $"engine's CompanyReplay over {events:N0} stored events of one company, never replayed before: {changed:N0} decisions written, "
                + "read models rebuilt, the revenue projection taken past the decisions");

            // A history the engine has already decided, replayed with the settings unchanged: it re-decides
            // everything and writes nothing but its confirmation; the read models need no rebuild.
            clock.Restart();
            var changedAgain = await host.Services.GetRequiredService<CompanyReplay>().RunAsync(CompanyKey, CancellationToken.None);
            var again = new Figure("Replay of the decided history, settings unchanged", events, clock.Elapsed.TotalSeconds,
                $"the same replay run again over the same {events:N0} events: re-decides all, {changedAgain:N0} decisions written");

            // The target scenario: the operator widens the window (the setting the reactor reads, changed as
            // PATCH /v1/admin/companies does), and the company is replayed to carry it into every decision.
            var directory = host.Services.GetRequiredService<CompanyDirectory>();
            await directory.UpdateAsync(CompanyKey, c => c with { AttributionWindowHours = WindowAfter }, CancellationToken.None);
            clock.Restart();
            var changedByWindow = await host.Services.GetRequiredService<CompanyReplay>().RunAsync(CompanyKey, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            var outcomes = await OutcomesChangedAsync(db);
            await RevenueEqualsRebuildAsync(db, host.Services);
            var window = new Figure($"Replay after a window change ({WindowBefore} h → {WindowAfter} h)", events, seconds,
                $"re-decides the {events:N0} events of the decided history; {changedByWindow:N0} decisions written "
                + $"({outcomes:N0} of them with a new outcome; the decisions the window leaves as they were are confirmed under the new rule version by one event), "
                + "and the revenue read models take them in (checked equal to a full rebuild afterwards, untimed)");
            return new ReplayFigures(copy, replay, again, window);
        }
    }

    /// <summary>
    /// The revenue figures the replay left, against a full rebuild of the company from the event store:
    /// the benchmark stops if they differ, so a fast replay is never a wrong one.
    /// </summary>
    private static async Task RevenueEqualsRebuildAsync(NpgsqlDataSource db, IServiceProvider services)
    {
        async Task<string> Figures()
        {
            await using var cmd = db.CreateCommand("""
                SELECT string_agg(concat_ws(' ', rule_version, day, currency, cart_gmv, net_cart_value, checkout_revenue, attributed_orders,
                                            total_checkout_revenue, counted_orders, refunded), E'\n' ORDER BY rule_version, day, currency)
                FROM revenue.company_days WHERE company_key = $1
                """);
            cmd.Parameters.AddWithValue(CompanyKey);
            return (string?)await cmd.ExecuteScalarAsync() ?? "";
        }
        var replayed = await Figures();
        await services.GetRequiredService<ProjectionRunner>().RebuildTenantAsync(services.GetRequiredService<RevenueProjection>(), CompanyKey, CancellationToken.None);
        var rebuilt = await Figures();
        if (replayed != rebuilt)
            throw new InvalidOperationException($"The replay's revenue figures differ from a full rebuild.\nReplay:\n{replayed}\nRebuild:\n{rebuilt}");
    }

    /// <summary>Decisions whose latest revision's outcome differs from the one before it (attributed, counted, credit).</summary>
    private static async Task<long> OutcomesChangedAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("""
            SELECT count(*) FROM (
                SELECT data->>'attributed' AS attributed, data->>'counted' AS counted, data->'credited' AS credited,
                       lag(data->>'attributed') OVER w AS attributed_before, lag(data->>'counted') OVER w AS counted_before,
                       lag(data->'credited') OVER w AS credited_before, version, max(version) OVER (PARTITION BY stream_id) AS last
                FROM event_store.mt_events WHERE tenant_id = $1 AND type = 'attribution_decided.v2'
                WINDOW w AS (PARTITION BY stream_id ORDER BY version)) d
            WHERE version = last AND version > 1
              AND (attributed IS DISTINCT FROM attributed_before OR counted IS DISTINCT FROM counted_before
                   OR credited IS DISTINCT FROM credited_before)
            """);
        cmd.Parameters.AddWithValue(CompanyKey);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    // FORCE can end an autovacuum worker only for a role in pg_signal_backend (infra/services.sh
    // grants it to `app`); elsewhere wait for the worker to finish, a second at a time, up to a minute.
    private static readonly ResiliencePipeline WaitOutAutovacuum = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<PostgresException>(e => e.SqlState == PostgresErrorCodes.InsufficientPrivilege),
            MaxRetryAttempts = 59,
            BackoffType = DelayBackoffType.Constant,
            Delay = TimeSpan.FromSeconds(1),
        })
        .Build();

    /// <summary>Drops a scratch database, ending its sessions (shared with the integration tests' tear-down).</summary>
    public static async Task DropDatabaseAsync(string adminConnection, string name)
    {
        await using var admin = NpgsqlDataSource.Create(adminConnection);
        await WaitOutAutovacuum.ExecuteAsync(async ct =>
        {
            await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync(ct);
        });
    }

    public static async Task<string> ScratchDatabaseAsync(string adminConnection, string name)
    {
        await DropDatabaseAsync(adminConnection, name);
        await using var admin = NpgsqlDataSource.Create(adminConnection);
        await using (var create = admin.CreateCommand($"CREATE DATABASE {name}")) await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(adminConnection) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Visitors of four events each, in the stored format (VisitorEvents.V1): half chat first and then
    /// add to cart and buy, half add twice and buy without a chat. A quarter of those who chat come back
    /// 30 hours later to add and buy, outside a 24 h window and inside a 48 h one. Written with binary COPY.
    /// </summary>
    private static async Task<Figure> CopyHistoryAsync(NpgsqlDataSource db, int events)
    {
        var visitors = events / 4;
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        var json = EventTypeRegistry.SerializerOptions;
        var clock = Stopwatch.StartNew();
        await using var connection = await db.OpenConnectionAsync();
        await using (var streams = await connection.BeginBinaryImportAsync(
            "COPY event_store.mt_streams (id, tenant_id, version) FROM STDIN (FORMAT BINARY)"))
        {
            for (var v = 0; v < visitors; v++)
                await streams.WriteRowAsync(CancellationToken.None, StreamOf(v), CompanyKey, 4L);
            await streams.CompleteAsync();
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY event_store.mt_events (seq_id, id, stream_id, version, tenant_id, type, data, timestamp) FROM STDIN (FORMAT BINARY)"))
        {
            var sequence = 0L;
            for (var v = 0; v < visitors; v++)
            {
                var fp = $"fp_replay_{v}";
                var at = start.AddSeconds(v * (86400.0 / visitors));
                var chat = v % 2 == 0;
                var back = chat && v % 8 == 2 ? TimeSpan.FromHours(30) : TimeSpan.Zero;
                var ids = new[] { Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7() };
                var history = new (string Type, object Data)[]
                {
                    chat ? ("interaction_recorded.v1", Interaction(ids[0], fp, v, InteractionKind.SHOPPER_MESSAGE, "Which shoes for a marathon?", null, at))
                         : ("cart_event_recorded.v1", Cart(ids[0], fp, CartEventType.ITEM_ADDED, at)),
                    chat ? ("interaction_recorded.v1", Interaction(ids[1], fp, v, InteractionKind.ASSISTANT_ANSWER, "The Tempo Racer.", true, at.AddSeconds(5)))
                         : ("cart_event_recorded.v1", Cart(ids[1], fp, CartEventType.QUANTITY_INCREASED, at.AddSeconds(5))),
                    ("cart_event_recorded.v1", Cart(ids[2], fp, CartEventType.ITEM_ADDED, at.Add(back).AddSeconds(30))),
                    ("checkout_recorded.v1", new VisitorEvents.V1.CheckoutRecorded(ids[3], CompanyKey, fp, null, $"order-{v}", 99.98m, "USD",
                        [new CheckoutLineItem("SKU-1", "Tempo Racer", 2, 49.99m, "USD")], false, "browser", at.Add(back).AddSeconds(90), at.Add(back).AddSeconds(90))),
                };
                for (var i = 0; i < history.Length; i++)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(++sequence, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(ids[i], NpgsqlDbType.Uuid);
                    await writer.WriteAsync(StreamOf(v), NpgsqlDbType.Text);
                    await writer.WriteAsync((long)i + 1, NpgsqlDbType.Bigint);
                    await writer.WriteAsync(CompanyKey, NpgsqlDbType.Text);
                    await writer.WriteAsync(history[i].Type, NpgsqlDbType.Text);
                    await writer.WriteAsync(JsonSerializer.Serialize(history[i].Data, history[i].Data.GetType(), json), NpgsqlDbType.Jsonb);
                    await writer.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz);
                }
            }
            await writer.CompleteAsync();
        }
        // Marten's appends number from its sequence: past the copied rows.
        await using (var next = new NpgsqlCommand("SELECT setval('event_store.mt_events_sequence', (SELECT max(seq_id) FROM event_store.mt_events))", connection))
            await next.ExecuteNonQueryAsync();
        return new Figure("PostgreSQL COPY of event rows", visitors * 4L, clock.Elapsed.TotalSeconds,
            "binary COPY into event_store.mt_events with its indexes (plus the stream rows), one connection");

        object Cart(Guid id, string fp, CartEventType type, DateTimeOffset at) =>
            new VisitorEvents.V1.CartEventRecorded(id, CompanyKey, fp, null, type, "SKU-1", "Tempo Racer", 49.99m, "USD", 1, at, at);
        object Interaction(Guid id, string fp, int v, InteractionKind kind, string text, bool? helpful, DateTimeOffset at) =>
            new VisitorEvents.V1.VisitorInteractionRecorded(id, CompanyKey, fp, null, InteractionChannel.CHAT, kind, $"conv-{v}", text, helpful, null, v % 4 == 0 ? "A" : "B", at, at);
    }

    private static string StreamOf(int visitor) => $"visitor:{CompanyKey}:fp_replay_{visitor}";
}
