using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Polly;
using Polly.Retry;

namespace Attribution.DemoTraffic;

/// <summary>The gateway could not be reached (connection refused, timeouts) after the retries.</summary>
public sealed class GatewayUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The gateway refused the keys (401/403): nothing more will be accepted.</summary>
public sealed class GatewayRefusedException(string message) : Exception(message);

/// <summary>
/// Sends a plan through the public HTTP contract: exchange rates (operator token), events in
/// batches of at most 500 events and 1 MiB (API secret), refunds one by one. 429 and 503 are
/// retried after their Retry-After; batch items answered "unavailable" are resent with the same
/// event id.
/// </summary>
public sealed partial class GatewaySender(HttpClient http, string apiSecret, TextWriter log)
{
    public const int MaxBatchEvents = 500;
    public const int MaxBatchBytes = 1024 * 1024;
    private const int MaxAttempts = 12;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    public sealed class Tally
    {
        private int _sent, _accepted, _rejected, _undelivered;
        public ConcurrentDictionary<string, int> RejectedByReason { get; } = new(StringComparer.Ordinal);
        public int Sent => _sent;
        public int Accepted => _accepted;
        public int Rejected => _rejected;
        public int Undelivered => _undelivered;
        internal void AddSent(int n) => Interlocked.Add(ref _sent, n);
        internal void AddAccepted(int n) => Interlocked.Add(ref _accepted, n);
        internal void AddUndelivered(int n) => Interlocked.Add(ref _undelivered, n);
        internal void AddRejected(string reason)
        {
            Interlocked.Increment(ref _rejected);
            RejectedByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
        }
    }

    public Tally Results { get; } = new();

    /// <summary>Waits until GET /healthz answers 200; throws <see cref="GatewayUnreachableException"/> after <paramref name="patience"/>.</summary>
    public async Task WaitHealthyAsync(TimeSpan patience, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + patience;
        Exception? last = null;
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("healthz", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK) return;
                last = new HttpRequestException($"GET /healthz answered {(int)response.StatusCode}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = e;
            }
            if (DateTimeOffset.UtcNow >= deadline)
                throw new GatewayUnreachableException($"the gateway at {http.BaseAddress} is not reachable or not healthy: {last.Message}", last);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>PUT /v1/admin/companies/{companyKey}/fx-rates with the operator token.</summary>
    public async Task SetFxRatesAsync(string companyKey, string adminToken, DemoFxRates rates, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["date"] = rates.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["rates"] = rates.Rates,
        });
        using var response = await SendAsync(() => Request(HttpMethod.Put, $"v1/admin/companies/{Uri.EscapeDataString(companyKey)}/fx-rates", body, adminToken), ct);
        if (!response.IsSuccessStatusCode)
            throw new GatewayRefusedException($"PUT fx-rates answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    /// <summary>Splits the batch events into batches of at most 500 events and 1 MiB, in order.</summary>
    public static IReadOnlyList<IReadOnlyList<(DemoEvent Event, string Json)>> Batches(IEnumerable<DemoEvent> events)
    {
        var batches = new List<IReadOnlyList<(DemoEvent, string)>>();
        var current = new List<(DemoEvent, string)>();
        var bytes = 0;
        const int envelope = 16; // {"events":[ ]}
        foreach (var e in events)
        {
            var json = e.Body.ToJsonString();
            var size = Encoding.UTF8.GetByteCount(json) + 1;
            if (current.Count > 0 && (current.Count == MaxBatchEvents || envelope + bytes + size > MaxBatchBytes))
            {
                batches.Add(current);
                current = [];
                bytes = 0;
            }
            current.Add((e, json));
            bytes += size;
        }
        if (current.Count > 0) batches.Add(current);
        return batches;
    }

    /// <summary>POST /v1/events/batch, resending the items the broker could not take yet.</summary>
    public async Task SendBatchAsync(IReadOnlyList<(DemoEvent Event, string Json)> batch, CancellationToken ct)
    {
        Results.AddSent(batch.Count);
        var pending = batch;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var body = "{\"events\":[" + string.Join(',', pending.Select(p => p.Json)) + "]}";
            using var response = await SendAsync(() => Request(HttpMethod.Post, "v1/events/batch", body, apiSecret), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new GatewayRefusedException($"POST /v1/events/batch answered {(int)response.StatusCode}: {text}");
            if (response.StatusCode is HttpStatusCode.TooManyRequests || (response.StatusCode == HttpStatusCode.ServiceUnavailable && !IsBatchAnswer(response)))
            {
                Results.AddUndelivered(pending.Count);
                log.WriteLine($"demo-traffic: {pending.Count} events not taken ({(int)response.StatusCode}) after {MaxAttempts} attempts; run again to resend them");
                return;
            }
            if (response.StatusCode != HttpStatusCode.Accepted && !IsBatchAnswer(response))
            {
                // A 400 for the batch as a whole (or 413): every item shares that fate.
                var reason = $"batch {(int)response.StatusCode}: {Detail(text)}";
                foreach (var _ in pending) Results.AddRejected(reason);
                return;
            }

            using var doc = JsonDocument.Parse(text);
            var unavailable = new List<(DemoEvent, string)>();
            foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
            {
                var index = result.GetProperty("index").GetInt32();
                switch (result.GetProperty("status").GetString())
                {
                    case "accepted": Results.AddAccepted(1); break;
                    case "rejected": Results.AddRejected(ReasonOf(result.GetProperty("errors"))); break;
                    default: unavailable.Add(pending[index]); break;
                }
            }
            pending = unavailable;
            if (pending.Count == 0) return;
            if (attempt == MaxAttempts)
            {
                Results.AddUndelivered(pending.Count);
                log.WriteLine($"demo-traffic: {pending.Count} events still unavailable after {MaxAttempts} attempts; run again to resend them");
                return;
            }
            await Task.Delay(RetryAfter(response, attempt), ct);
        }
    }

    /// <summary>POST /v1/events/refund (the batch endpoint takes no refunds).</summary>
    public async Task SendRefundAsync(DemoEvent refund, CancellationToken ct)
    {
        Results.AddSent(1);
        var body = refund.Body.ToJsonString();
        using var response = await SendAsync(() => Request(HttpMethod.Post, "v1/events/refund", body, apiSecret), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        switch (response.StatusCode)
        {
            case HttpStatusCode.Accepted:
                Results.AddAccepted(1);
                break;
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                throw new GatewayRefusedException($"POST /v1/events/refund answered {(int)response.StatusCode}: {text}");
            case HttpStatusCode.BadRequest:
                using (var doc = JsonDocument.Parse(text))
                    Results.AddRejected(doc.RootElement.TryGetProperty("errors", out var errors) ? ReasonOf(errors) : Detail(text));
                break;
            default:
                Results.AddUndelivered(1);
                log.WriteLine($"demo-traffic: refund {refund.Key} answered {(int)response.StatusCode}: {Detail(text)}");
                break;
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string json, string bearer)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    /// <summary>
    /// Polly: a gateway that does not answer is tried 5 times, 1 s, 2 s, 3 s, 4 s apart; a 429 or 503
    /// (other than a batch answer, whose unavailable items the caller resends) up to 12 times, after
    /// its Retry-After.
    /// </summary>
    private static readonly ResiliencePipeline<HttpResponseMessage> Retries = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>().Handle<HttpRequestException>().Handle<TaskCanceledException>(),
            MaxRetryAttempts = 4,
            BackoffType = DelayBackoffType.Linear,
            Delay = TimeSpan.FromSeconds(1),
        })
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } response
                && (response.StatusCode == HttpStatusCode.TooManyRequests
                    || (response.StatusCode == HttpStatusCode.ServiceUnavailable && !IsBatchAnswer(response)))),
            MaxRetryAttempts = MaxAttempts - 1,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryAfter(args.Outcome.Result!, args.AttemptNumber + 1)),
        })
        .Build();

    /// <summary>Sends through <see cref="Retries"/>; returns the last answer.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken ct)
    {
        try
        {
            return await Retries.ExecuteAsync(async token =>
            {
                using var message = request();
                return await http.SendAsync(message, token);
            }, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new GatewayUnreachableException($"the gateway at {http.BaseAddress} stopped answering: {e.Message}", e);
        }
    }

    private static bool IsBatchAnswer(HttpResponseMessage response) =>
        response.RequestMessage?.RequestUri?.AbsolutePath.EndsWith("/v1/events/batch", StringComparison.Ordinal) == true
        && response.Content.Headers.ContentType?.MediaType == "application/json";

    private static TimeSpan RetryAfter(HttpResponseMessage response, int attempt)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : TimeSpan.FromSeconds(Math.Min(attempt, 5)));
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxWait ? MaxWait : wait;
    }

    /// <summary>A rejection's reason for the summary: its fields (indexes folded) and first message.</summary>
    private static string ReasonOf(JsonElement errors)
    {
        var parts = errors.EnumerateObject()
            .Select(p => $"{IndexPattern().Replace(p.Name, "[]")}: {p.Value.EnumerateArray().Select(m => m.GetString()).FirstOrDefault()}")
            .Order(StringComparer.Ordinal);
        return string.Join("; ", parts);
    }

    private static string Detail(string problem)
    {
        try
        {
            using var doc = JsonDocument.Parse(problem);
            return doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? problem
                : doc.RootElement.TryGetProperty("title", out var t) ? t.GetString() ?? problem : problem;
        }
        catch (JsonException)
        {
            return problem.Length > 200 ? problem[..200] : problem;
        }
    }

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex IndexPattern();
}
