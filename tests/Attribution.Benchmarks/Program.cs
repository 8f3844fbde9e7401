using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Attribution.EventStore;
using Npgsql;

// Event-store append throughput against the local PostgreSQL, for batches of 1, 100 and 1,000
// events per transaction, with one writer and with four. Writes results/event-store-append.{json,md}.
// Usage: dotnet run -c Release --project tests/Attribution.Benchmarks [-- --scale 1.0]
var scale = args.SkipWhile(a => a != "--scale").Skip(1).Select(a => double.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(1.0);
var outDir = Path.Combine(AppContext.BaseDirectory, "../../../results");
var adminConnection = Environment.GetEnvironmentVariable("POSTGRES_CONNECTION")
    ?? "Host=127.0.0.1;Port=5432;Username=app;Password=app;Database=attribution";

const string databaseName = "attribution_benchmark";
await using (var admin = NpgsqlDataSource.Create(adminConnection))
{
    await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
    await drop.ExecuteNonQueryAsync();
    await using var create = admin.CreateCommand($"CREATE DATABASE {databaseName}");
    await create.ExecuteNonQueryAsync();
}
var connection = new NpgsqlConnectionStringBuilder(adminConnection) { Database = databaseName }.ConnectionString;
await using var db = NpgsqlDataSource.Create(connection);
await MartenConfiguration.ApplySchemaAsync(db, CancellationToken.None);
await using (var indexes = db.CreateCommand("CREATE UNIQUE INDEX mt_events_tenant_event_id ON event_store.mt_events (tenant_id, id)"))
    await indexes.ExecuteNonQueryAsync(); // the idempotency look-up the engine's migration adds

var options = new EventStoreOptions();
options.Events.Register<BenchmarkCartEvent>("benchmark_cart_event.v1");
var store = MartenEventStore.Create(db, options);

var cases = new (int BatchSize, int Writers, int Events)[]
{
    (1, 1, 2_000), (1, 4, 4_000),
    (100, 1, 50_000), (100, 4, 100_000),
    (1_000, 1, 100_000), (1_000, 4, 200_000),
};

var results = new List<Result>();
await Run(1, 1, 200); // warm-up: JIT, pool, plan cache
foreach (var (batch, writers, events) in cases)
    results.Add(await Run(batch, writers, Math.Max(batch * writers, (int)(events * scale))));

Directory.CreateDirectory(outDir);
var machine = $"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
await File.WriteAllTextAsync(Path.Combine(outDir, "event-store-append.json"),
    JsonSerializer.Serialize(new { machine, results }, new JsonSerializerOptions { WriteIndented = true }));
var md = new StringBuilder()
    .AppendLine(CultureInfo.InvariantCulture, $"Event-store append throughput ({machine}; PostgreSQL on the same box)")
    .AppendLine()
    .AppendLine("| events per transaction | writers | events | seconds | events/s |")
    .AppendLine("| ---: | ---: | ---: | ---: | ---: |");
foreach (var r in results)
    md.AppendLine(CultureInfo.InvariantCulture, $"| {r.BatchSize:N0} | {r.Writers} | {r.Events:N0} | {r.Seconds:0.00} | {r.EventsPerSecond:N0} |");
await File.WriteAllTextAsync(Path.Combine(outDir, "event-store-append.md"), md.ToString());
Console.WriteLine(md);

async Task<Result> Run(int batchSize, int writers, int totalEvents)
{
    var perWriter = totalEvents / writers / batchSize;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(async w =>
    {
        for (var b = 0; b < perWriter; b++)
        {
            var appends = Enumerable.Range(0, batchSize).Select(i => new StreamAppend(
                $"visitor:bench:{w}-{b}-{i % 50}", "bench", ExpectedVersion.Any,
                [new NewEvent(Guid.CreateVersion7(), new BenchmarkCartEvent("SKU-1234", "Black Running Shoes", 79.99m, "USD", 1))])).ToList();
            await store.AppendAsync(appends);
        }
    }));
    stopwatch.Stop();
    var appended = perWriter * writers * batchSize;
    return new Result(batchSize, writers, appended, stopwatch.Elapsed.TotalSeconds, appended / stopwatch.Elapsed.TotalSeconds);
}

internal sealed record BenchmarkCartEvent(string ProductId, string ProductName, decimal Value, string Currency, int Quantity);

internal sealed record Result(int BatchSize, int Writers, int Events, double Seconds, double EventsPerSecond);
