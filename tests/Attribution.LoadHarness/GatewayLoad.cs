using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Attribution.LoadHarness;

/// <summary>
/// Load through the public API of a running system (infra/up.sh): cart events posted as a
/// storefront would, one per request or in batches, each timed from send to 202, and then until
/// its attribution decision is visible in the read model (event_store.documents, the explain
/// endpoint's source, written in the same transaction as the decision event), using the database's
/// transaction time.
/// </summary>
public sealed class GatewayLoad(Uri gateway, string adminToken, NpgsqlDataSource database) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = gateway,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>One accepted event: when it was sent and when the 202 came (UTC), for the visibility join.</summary>
    public sealed record Accepted(Guid EventId, DateTime SentUtc, double AcceptMs);

    /// <summary>
    /// What a load run sent: the accepted events, and the ids of those that got no 202. A refused
    /// event may still have been stored (the broker took it just before the answer failed); a real
    /// client retries it with the same eventId, so it is stored once either way.
    /// </summary>
    public sealed record Run(string CompanyKey, IReadOnlyList<Accepted> Accepted, IReadOnlyList<Guid> RefusedIds, double Seconds)
    {
        public int Refused => RefusedIds.Count;
    }

    public async Task<string> CreateCompanyAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/companies")
        {
            Content = JsonContent.Create(new { name, reportingCurrency = "USD", attributionWindowHours = 24 }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"Creating a company: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("companyKey").GetString()!;
    }

    /// <summary>Closed loop: <paramref name="workers"/> clients each post the next event as soon as the last was accepted.</summary>
    public async Task<Run> SingleEventsAsync(string companyKey, int workers, TimeSpan duration)
    {
        var accepted = new ConcurrentBag<Accepted>();
        var refused = new ConcurrentBag<Guid>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            for (var i = 0; clock.Elapsed < duration; i++)
                if (await PostOneAsync(companyKey, $"fp_load_{w}_{i / 8}", refused) is { } a) accepted.Add(a);
        }));
        return new Run(companyKey, accepted.ToList(), refused.ToList(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Open loop: requests start at a fixed rate whatever the answers do (latency under a given load).
    /// <paramref name="onAnswer"/> hears each answer as it comes (true: 202), for tests that inject faults.
    /// </summary>
    public async Task<Run> SteadyRateAsync(string companyKey, double perSecond, TimeSpan duration, Action<bool>? onAnswer = null)
    {
        var accepted = new ConcurrentBag<Accepted>();
        var refused = new ConcurrentBag<Guid>();
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (long i = 0; clock.Elapsed < duration; i++)
        {
            // Read the clock once: read twice, the wait could come out negative and Task.Delay throw.
            var wait = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, CancellationToken.None);
            var n = i;
            inFlight.Add(Task.Run(async () =>
            {
                var a = await PostOneAsync(companyKey, $"fp_steady_{n / 8}", refused);
                if (a is not null) accepted.Add(a);
                onAnswer?.Invoke(a is not null);
            }, CancellationToken.None));
        }
        await Task.WhenAll(inFlight);
        return new Run(companyKey, accepted.ToList(), refused.ToList(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>Closed loop over the batch endpoint: each request carries <paramref name="batchSize"/> cart events.</summary>
    public async Task<Run> BatchesAsync(string companyKey, int workers, int batchSize, TimeSpan duration)
    {
        var accepted = new ConcurrentBag<Accepted>();
        var refused = new ConcurrentBag<Guid>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            for (var b = 0; clock.Elapsed < duration; b++)
            {
                var ids = Enumerable.Range(0, batchSize).Select(_ => Guid.CreateVersion7()).ToArray();
                var now = DateTime.UtcNow;
                var json = new StringBuilder("{\"events\":[");
                for (var i = 0; i < batchSize; i++)
                    json.Append(i == 0 ? "" : ",").Append("{\"kind\":\"cart\",").Append(CartFields(ids[i], $"fp_batch_{w}_{b}_{i / 8}", now)).Append('}');
                json.Append("]}");
                var sent = DateTime.UtcNow;
                var started = Stopwatch.GetTimestamp();
                using var request = Post("/v1/events/batch", companyKey, json.ToString());
                using var response = await _http.SendAsync(request);
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.Accepted) { foreach (var id in ids) refused.Add(id); continue; }
                using var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                foreach (var r in results.RootElement.GetProperty("results").EnumerateArray())
                    if (r.GetProperty("status").GetString() == "accepted") accepted.Add(new Accepted(ids[r.GetProperty("index").GetInt32()], sent, ms));
                    else refused.Add(ids[r.GetProperty("index").GetInt32()]);
            }
        }));
        return new Run(companyKey, accepted.ToList(), refused.ToList(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Waits until every accepted event's decision is in the read model, then returns, per event,
    /// the milliseconds from its 202 to the commit that made it visible, and the last commit time.
    /// </summary>
    public async Task<(List<double> VisibleMs, DateTime LastVisibleUtc)> WaitUntilVisibleAsync(Run run, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        var byId = run.Accepted.ToDictionary(a => a.EventId);
        var seen = new Dictionary<Guid, DateTime>();
        long after = 0;
        while (seen.Count < byId.Count)
        {
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"{byId.Count - seen.Count} of {byId.Count} accepted events not visible after {limit.TotalSeconds:0} s");
            // The decision events of the company since the last poll: each commits with its decision
            // document (an inline projection), so its timestamp is when the decision became visible.
            // Incremental on (tenant_id, seq_id), so polling costs the system under test next to nothing
            // (scanning every decision document instead took half a second of database time per poll).
            await using var cmd = database.CreateCommand("""
                SELECT seq_id, (data->>'sourceEventId')::uuid, timestamp FROM event_store.mt_events
                WHERE tenant_id = $1 AND seq_id > $2 AND type = 'attribution_decided.v2' ORDER BY seq_id
                """);
            cmd.Parameters.AddWithValue(run.CompanyKey);
            cmd.Parameters.AddWithValue(after);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                after = reader.GetInt64(0);
                if (byId.ContainsKey(reader.GetGuid(1))) seen.TryAdd(reader.GetGuid(1), reader.GetFieldValue<DateTime>(2)); // refused ones may be decided too
            }
            if (seen.Count < byId.Count) await Task.Delay(200);
        }
        var visible = byId.Values.Select(a => Math.Max(0, (seen[a.EventId] - a.SentUtc).TotalMilliseconds - a.AcceptMs)).ToList();
        return (visible, seen.Values.Max());
    }

    /// <summary>
    /// Waits until every subscription of the engine's projection daemon (the read models, the reactor,
    /// the publisher) has passed every stored event, and answers when that was (the database's UTC
    /// clock): once the decisions are visible, the moment the dashboard's read models hold them too.
    /// </summary>
    public async Task<DateTime> WaitUntilProjectedAsync(TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using var cmd = database.CreateCommand("""
                SELECT (SELECT coalesce(max(seq_id), 0) FROM event_store.mt_events)
                     - coalesce((SELECT min(last_seq_id) FROM event_store.mt_event_progression WHERE name LIKE '%:All'), 0),
                       clock_timestamp() AT TIME ZONE 'UTC'
                """);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            if (reader.GetInt64(0) <= 0) return DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc);
            if (deadline.Elapsed > limit) throw new TimeoutException($"The projections are {reader.GetInt64(0)} events behind after {limit.TotalSeconds:0} s");
            await Task.Delay(100);
        }
    }

    private async Task<Accepted?> PostOneAsync(string companyKey, string fingerprint, ConcurrentBag<Guid> refused)
    {
        var id = Guid.CreateVersion7();
        var sent = DateTime.UtcNow;
        var started = Stopwatch.GetTimestamp();
        using var request = Post("/v1/events/cart", companyKey, "{" + CartFields(id, fingerprint, sent) + "}");
        try
        {
            using var response = await _http.SendAsync(request);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode == HttpStatusCode.Accepted) return new Accepted(id, sent, ms);
        }
        catch (HttpRequestException)
        {
            // no answer at all: refused like a 503; the client would retry it
        }
        refused.Add(id);
        return null;
    }

    private static HttpRequestMessage Post(string path, string companyKey, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Company-Key", companyKey);
        return request;
    }

    private static string CartFields(Guid id, string fingerprint, DateTime at) => string.Create(CultureInfo.InvariantCulture,
        $"\"eventId\":\"{id}\",\"userFingerprint\":\"{fingerprint}\",\"type\":\"ITEM_ADDED\",\"productId\":\"SKU-LOAD-{id.GetHashCode() & 15}\",\"productName\":\"Load test shoe\",\"value\":49.99,\"currency\":\"USD\",\"quantity\":1,\"occurredAt\":\"{at:yyyy-MM-ddTHH:mm:ss.fffZ}\"");

    public void Dispose() => _http.Dispose();
}
