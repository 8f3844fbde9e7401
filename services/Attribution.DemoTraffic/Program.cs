using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Attribution.DemoTraffic;

// Sends a deterministic week of demo traffic for the "Demo Running Store" to a running gateway,
// over the public contract only. Running it twice has the effect of once (same event ids).
//
//   dotnet Attribution.DemoTraffic.dll --gateway http://127.0.0.1:5080 --company-key K --api-secret S
//       [--admin-token T] [--days 7] [--seed 42] [--dry-run]
//
// Fallbacks: ATTRIBUTION_GATEWAY_URL, ATTRIBUTION_COMPANY_KEY, ATTRIBUTION_API_SECRET,
// ATTRIBUTION_ADMIN_TOKEN, ATTRIBUTION_DEMO_DAYS, ATTRIBUTION_DEMO_SEED.
// Exit codes: 0 sent (deliberate mistakes are rejected by design), 1 bad arguments,
// 2 gateway unreachable, 3 keys refused, 4 some events could not be delivered.

const string usage = """
    usage: Attribution.DemoTraffic --gateway URL --company-key K --api-secret S [--admin-token T] [--days 7] [--seed 42] [--dry-run]
      --gateway      gateway base URL        (env ATTRIBUTION_GATEWAY_URL, default http://127.0.0.1:5080)
      --company-key  the company's key       (env ATTRIBUTION_COMPANY_KEY; scopes the event ids, names the company for the rates)
      --api-secret   the company's apiSecret (env ATTRIBUTION_API_SECRET)
      --admin-token  operator token          (env ATTRIBUTION_ADMIN_TOKEN; when given, EUR/GBP rates are set first)
      --days         days of traffic, 1-25   (env ATTRIBUTION_DEMO_DAYS, default 7)
      --seed         random seed             (env ATTRIBUTION_DEMO_SEED, default 42)
      --dry-run      send nothing: print every event as one JSON line ({"route","key","note","body"}), counts on stderr
    """;

Dictionary<string, string> options;
try
{
    options = ParseArguments(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"demo-traffic: {e.Message}\n{usage}");
    return 1;
}
var dryRun = options.ContainsKey("dry-run");
if (options.ContainsKey("help"))
{
    Console.WriteLine(usage);
    return 0;
}

var gateway = Option("gateway", "ATTRIBUTION_GATEWAY_URL") ?? "http://127.0.0.1:5080";
var companyKey = Option("company-key", "ATTRIBUTION_COMPANY_KEY") ?? "";
var apiSecret = Option("api-secret", "ATTRIBUTION_API_SECRET") ?? "";
var adminToken = Option("admin-token", "ATTRIBUTION_ADMIN_TOKEN");
if (!int.TryParse(Option("days", "ATTRIBUTION_DEMO_DAYS") ?? "7", CultureInfo.InvariantCulture, out var days) || days is < 1 or > DemoWeek.MaxDays
    || !int.TryParse(Option("seed", "ATTRIBUTION_DEMO_SEED") ?? "42", CultureInfo.InvariantCulture, out var seed)
    || (string.IsNullOrEmpty(apiSecret) && !dryRun)
    || !Uri.TryCreate(gateway.TrimEnd('/') + "/", UriKind.Absolute, out var baseAddress)
    || (string.IsNullOrEmpty(companyKey) && !dryRun))
{
    Console.Error.WriteLine($"demo-traffic: need --company-key, --api-secret, a valid --gateway, --days 1-{DemoWeek.MaxDays} and a whole --seed\n{usage}");
    return 1;
}

var plan = DemoWeek.Generate(seed, DateTimeOffset.UtcNow, days, companyKey);
var batchEvents = plan.Events.Where(e => e.Route == DemoRoute.Batch).ToList();
var refunds = plan.Events.Where(e => e.Route == DemoRoute.Refund).ToList();
var interactionBatches = GatewaySender.Batches(batchEvents.Where(e => e.Kind.StartsWith("interaction/", StringComparison.Ordinal)));
var storefrontBatches = GatewaySender.Batches(batchEvents.Where(e => !e.Kind.StartsWith("interaction/", StringComparison.Ordinal)));
var batches = interactionBatches.Count + storefrontBatches.Count;

var output = dryRun ? Console.Error : Console.Out;
output.WriteLine($"demo-traffic: Demo Running Store, seed {seed}, {days} day{(days == 1 ? "" : "s")} from {plan.From:yyyy-MM-dd} to {plan.Now:yyyy-MM-dd HH:mm:ss}Z");
output.WriteLine($"  {plan.Visitors:N0} visitors, {plan.Orders:N0} orders, {plan.Events.Count:N0} events ({batches} batches + {refunds.Count} refunds) for {baseAddress}");
output.WriteLine("  by kind: " + string.Join(", ", plan.Events.GroupBy(e => e.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count():N0}")));

if (dryRun)
{
    foreach (var e in plan.Events)
        Console.WriteLine(new JsonObject
        {
            ["route"] = e.Route == DemoRoute.Batch ? "/v1/events/batch" : "/v1/events/refund",
            ["key"] = e.Key,
            ["note"] = e.Note,
            ["body"] = e.Body.DeepClone(),
        }.ToJsonString());
    return 0;
}

using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
var sender = new GatewaySender(http, apiSecret, Console.Error);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;
var clock = Stopwatch.StartNew();
try
{
    await sender.WaitHealthyAsync(TimeSpan.FromSeconds(15), ct);

    if (!string.IsNullOrEmpty(adminToken))
    {
        foreach (var fx in plan.FxRates)
        {
            await sender.SetFxRatesAsync(companyKey, adminToken, fx, ct);
            Console.WriteLine($"  fx rates from {fx.Date:yyyy-MM-dd}: {string.Join(", ", fx.Rates.Select(r => $"{r.Key} {r.Value.ToString(CultureInfo.InvariantCulture)}"))}");
        }
        Console.WriteLine("  (CAD is left without a rate on purpose: it shows under \"unconverted\")");
    }
    else
    {
        Console.WriteLine("  no --admin-token: exchange rates not set, EUR/GBP/CAD amounts stay unconverted");
    }

    // Interactions first, then (once the engine has had a moment to record them) cart events and
    // checkouts: a week replayed in seconds would otherwise often reach the engine cart-before-chat,
    // and every such decision would be revised a moment later (correct, but noisy on the bus).
    // Within each phase oldest first, a few batches at a time.
    var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct };
    await Parallel.ForEachAsync(interactionBatches, parallel, async (batch, token) => await sender.SendBatchAsync(batch, token));
    await Task.Delay(TimeSpan.FromSeconds(3), ct);
    await Parallel.ForEachAsync(storefrontBatches, parallel, async (batch, token) => await sender.SendBatchAsync(batch, token));
    foreach (var refund in refunds) await sender.SendRefundAsync(refund, ct);
}
catch (GatewayUnreachableException e)
{
    Console.Error.WriteLine($"demo-traffic: error: {e.Message}");
    return 2;
}
catch (GatewayRefusedException e)
{
    Console.Error.WriteLine($"demo-traffic: error: {e.Message}");
    return 3;
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("demo-traffic: cancelled");
    return 130;
}
clock.Stop();

var r = sender.Results;
Console.WriteLine($"  sent {r.Sent:N0} events in {clock.Elapsed.TotalSeconds:0.0} s: {r.Accepted:N0} accepted, {r.Rejected:N0} rejected, {r.Undelivered:N0} undelivered");
if (!r.RejectedByReason.IsEmpty)
{
    Console.WriteLine("  rejected by reason:");
    foreach (var (reason, count) in r.RejectedByReason.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        Console.WriteLine($"    {count,5}  {reason}");
}
Console.WriteLine("  on purpose, for the data-quality report and the edge cases:");
foreach (var g in plan.Events.Where(e => e.Note is not null).GroupBy(e => e.Note!).OrderBy(g => g.Key, StringComparer.Ordinal))
    Console.WriteLine($"    {g.Count(),5}  {g.Key}");
var sample = plan.Events.Where(e => e.Kind == "checkout" && e.Note is null && e.Body.ContainsKey("orderId")).Select(e => e.Body["orderId"]!.GetValue<string>()).LastOrDefault();
if (sample is not null) Console.WriteLine($"  e.g. GET {baseAddress}v1/attribution/orders/{sample}");
return r.Undelivered > 0 ? 4 : 0;

string? Option(string name, string env) =>
    options.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(env) is { Length: > 0 } fromEnv ? fromEnv : null;

static Dictionary<string, string> ParseArguments(string[] args)
{
    string[] known = ["gateway", "company-key", "api-secret", "admin-token", "days", "seed"];
    string[] flags = ["help", "dry-run"];
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < args.Length; i++)
    {
        var arg = args[i];
        if (arg == "-h" || flags.Contains(arg.TrimStart('-'), StringComparer.Ordinal) && arg.StartsWith("--", StringComparison.Ordinal))
        {
            options[arg == "-h" ? "help" : arg[2..]] = "";
            continue;
        }
        if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}'");
        var name = arg[2..];
        string value;
        var eq = name.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0)
        {
            value = name[(eq + 1)..];
            name = name[..eq];
        }
        else
        {
            if (i + 1 >= args.Length) throw new ArgumentException($"--{name} needs a value");
            value = args[++i];
        }
        if (!known.Contains(name, StringComparer.Ordinal)) throw new ArgumentException($"unknown option --{name}");
        options[name] = value;
    }
    return options;
}
