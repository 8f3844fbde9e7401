using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Attribution.Engine.Databases;
using Attribution.EventStore.Databases;
using Attribution.IntegrationTests.Infrastructure;
using Npgsql;

namespace Attribution.IntegrationTests.Scaling;

/// <summary>
/// Companies over two PostgreSQL clusters: the machine's (the catalog, which is also the first
/// company database, "main") and one in a container ("second"), added to the pool while the system
/// runs. Each company's events, decisions and read models live in its own database; reads, replay
/// and erasure go there; and with the second database stopped, the companies in main keep flowing
/// while the second's accepted events wait and are all recorded once it is back.
/// </summary>
[NonParallelizable]
public sealed class CompanyDatabasesTests
{
    private const string Second = "second";

    [Test]
    public async Task Each_company_lives_in_its_own_database_and_one_database_down_stops_only_its_companies()
    {
        await using var catalog = await TestServices.CreateScratchEnvironmentAsync("pool");
        await using var second = await PostgresContainer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["POSTGRES_CONNECTION"] = catalog.PostgresConnection,
            ["RABBITMQ_URL"] = catalog.RabbitMqUrl,
        };
        // Held events go to the back of their queue after one try again, so the outage below shows that path too.
        var engineSettings = new Dictionary<string, string?>(settings) { ["HeldEvents:RetryEverySeconds"] = "0.5", ["HeldEvents:TriesBeforeRequeue"] = "1" };
        await using var system = await RunningSystem.StartAsync(gatewaySettings: settings, engineSettings: engineSettings);
        var inMain = await system.CreateCompanyAsync("Placed in main");

        // The operator adds the second database while the system runs, and closes main to new companies.
        var engine = system.Engines[0].Services;
        Assert.That(await OperatorAsync(engine, "add", Second, second.ConnectionString), Is.EqualTo(0));
        Assert.That(await OperatorAsync(engine, "full", CompanyDatabases.Main), Is.EqualTo(0));
        var inSecond = await system.CreateCompanyAsync("Placed in second");
        var pool = await engine.GetRequiredService<CompanyDatabases>().ListAsync();
        Assert.That(pool, Is.EquivalentTo(new[]
        {
            new PooledCompanyDatabase(CompanyDatabases.Main, IsFull: true, Companies: 1),
            new PooledCompanyDatabase(Second, IsFull: false, Companies: 1),
        }));

        await using var main = NpgsqlDataSource.Create(catalog.PostgresConnection);
        var now = DateTimeOffset.UtcNow;
        await JourneyAsync(inMain, "fp-main-1", "order-main-1", 120m, now.AddHours(-2));
        await JourneyAsync(inSecond, "fp-second-1", "order-second-1", 80m, now.AddHours(-2));
        await WaitForRevenueAsync(inMain, 120m);
        await WaitForRevenueAsync(inSecond, 80m);

        // Every row of a company is in its database and nowhere else; the catalog holds no event of the second's.
        var counts = new
        {
            MainInMain = await EventsAsync(main, inMain), MainInSecond = await EventsAsync(second.Database, inMain),
            SecondInSecond = await EventsAsync(second.Database, inSecond), SecondInMain = await EventsAsync(main, inSecond),
            ReadModelsInSecond = await RevenueRowsAsync(second.Database, inSecond), ReadModelsInMain = await RevenueRowsAsync(main, inSecond),
        };
        Assert.Multiple(() =>
        {
            Assert.That(counts.MainInMain, Is.GreaterThan(0), "main's company's events in main");
            Assert.That(counts.MainInSecond, Is.Zero, "main's company's events in second");
            Assert.That(counts.SecondInSecond, Is.GreaterThan(0), "second's company's events in second");
            Assert.That(counts.SecondInMain, Is.Zero, "second's company's events in main");
            Assert.That(counts.ReadModelsInSecond, Is.GreaterThan(0), "second's company's read models in second");
            Assert.That(counts.ReadModelsInMain, Is.Zero, "second's company's read models in main");
        });

        // Explain, replay and erasure go to the company's database.
        var explained = await inSecond.GetJsonAsync("/v1/attribution/orders/order-second-1");
        Assert.That(explained.GetProperty("attributed").GetBoolean(), Is.True, explained.ToString());
        var replay = await inSecond.ReplayAsync(TimeSpan.FromSeconds(60));
        Assert.That(replay.GetProperty("status").GetString(), Is.EqualTo("completed"), replay.ToString());
        Assert.That((await SummaryAsync(inSecond)).GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(80m), "replay equals live");
        using (var erased = await inSecond.SendAsServerAsync(HttpMethod.Delete, "/v1/visitors/fp-second-1"))
        {
            Assert.That(erased.StatusCode, Is.EqualTo(HttpStatusCode.OK), await erased.Content.ReadAsStringAsync());
            Assert.That((await erased.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("events").GetInt32(), Is.GreaterThan(0));
        }
        Assert.That(await FingerprintRowsAsync(second.Database, inSecond, "fp-second-1"), Is.Zero, "the erased fingerprint is gone from the second database");

        // The second database stops: main's company keeps flowing; the second's events are accepted and wait.
        await second.StopAsync();
        await JourneyAsync(inSecond, "fp-second-2", "order-second-2", 30m, now.AddHours(-1));
        await JourneyAsync(inMain, "fp-main-2", "order-main-2", 45m, now.AddHours(-1));
        await WaitForRevenueAsync(inMain, 165m, "main's company while the second database is down");
        await Poll.UntilAsync(() => HeldPublishesAsync(catalog.RabbitMqUrl), n => n >= 2, TimeSpan.FromSeconds(60),
            "the second's events held, then sent to the back of the held queue again");

        // Back: everything accepted meanwhile is recorded, once.
        await second.StartAgainAsync();
        await WaitForRevenueAsync(inSecond, 110m, "the second's company once its database is back");
        Assert.That((await SummaryAsync(inSecond)).GetProperty("attributedOrders").GetInt32(), Is.EqualTo(2));
        Assert.That((await inSecond.ReplayAsync(TimeSpan.FromSeconds(60))).GetProperty("status").GetString(), Is.EqualTo("completed"));
        Assert.That((await SummaryAsync(inSecond)).GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(110m), "replay equals live");
        Assert.That((await SummaryAsync(inMain)).GetProperty("checkoutRevenue").GetDecimal(), Is.EqualTo(165m));
    }

    [Test]
    public async Task A_company_from_before_the_pool_is_placed_in_main_at_the_first_start()
    {
        await using var database = await TestServices.CreateScratchEnvironmentAsync("before_pool");
        const string companyKey = "ck_from_an_older_build";
        await using (var older = NpgsqlDataSource.Create(database.PostgresConnection))
        await using (var insert = older.CreateCommand(
            "INSERT INTO app.companies (company_key, name, api_secret_hash, reporting_currency) VALUES ($1, 'Older build', $2, 'USD')"))
        {
            insert.Parameters.AddWithValue(companyKey);
            insert.Parameters.AddWithValue(new byte[32]);
            await insert.ExecuteNonQueryAsync();
        }

        using var engine = RunningSystem.BuildEngine(new Dictionary<string, string?> { ["POSTGRES_CONNECTION"] = database.PostgresConnection });
        var databases = engine.Services.GetRequiredService<CompanyDatabases>();
        Assert.ThrowsAsync<CompanyNotPlacedException>(async () => await databases.ForCompanyAsync(companyKey), "in no database before the start-up");
        await Attribution.ServiceDefaults.Database.DatabaseExtensions.MigrateAllAsync(engine.Services, CancellationToken.None);

        Assert.That((await databases.ForCompanyAsync(companyKey)).Id, Is.EqualTo(CompanyDatabases.Main));
        Assert.That(await databases.ListAsync(), Is.EqualTo(new[] { new PooledCompanyDatabase(CompanyDatabases.Main, IsFull: false, Companies: 1) }));
    }

    /// <summary>Messages sent to the held queue so far (RabbitMQ's management API; its figures lag by a few seconds).</summary>
    private static async Task<long> HeldPublishesAsync(string rabbitMqUrl)
    {
        var vhost = Attribution.ServiceDefaults.Messaging.RabbitMqAddress.Parse(rabbitMqUrl).VirtualHost;
        var queue = await TestServices.ManagementGetAsync($"queues/{Uri.EscapeDataString(vhost)}/{Attribution.Engine.Recording.HeldEvents.Queue}");
        return queue is { } q && q.TryGetProperty("message_stats", out var stats) && stats.TryGetProperty("publish", out var publish) ? publish.GetInt64() : 0;
    }

    private static async Task<int> OperatorAsync(IServiceProvider engine, params string[] command)
    {
        using var output = new StringWriter();
        var code = await DatabasePoolCommands.RunAsync(engine, command, output, CancellationToken.None);
        TestContext.Out.WriteLine($"databases {string.Join(' ', command.Take(2))}: {output}");
        return code;
    }

    /// <summary>A helpful chat answer, then the checkout it earns.</summary>
    private static async Task JourneyAsync(TestCompany company, string fingerprint, string orderId, decimal value, DateTimeOffset at)
    {
        using var posted = await company.PostAsServerAsync("/v1/events/batch", new
        {
            events = new object[]
            {
                new { kind = "interaction", interactionKind = "SHOPPER_MESSAGE", userFingerprint = fingerprint, channel = "CHAT", conversationId = "chat-" + fingerprint, text = "Which size?", occurredAt = WireTime.Of(at) },
                new { kind = "interaction", interactionKind = "ASSISTANT_ANSWER", userFingerprint = fingerprint, channel = "CHAT", conversationId = "chat-" + fingerprint, helpful = true, occurredAt = WireTime.Of(at.AddMinutes(1)) },
                new { kind = "checkout", userFingerprint = fingerprint, orderId, value, currency = "USD", occurredAt = WireTime.Of(at.AddMinutes(10)),
                      lineItems = new[] { new { productId = "SKU-" + orderId, productName = "Boot", quantity = 1, value, currency = "USD" } } },
            },
        });
        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await posted.Content.ReadAsStringAsync());
    }

    private static Task<JsonElement> SummaryAsync(TestCompany company) =>
        company.GetJsonAsync($"/v1/revenue/summary?{Range}");

    /// <summary>Polls the summary; a 503 (the company's database restarting) is an answer not given yet.</summary>
    private static Task<decimal?> WaitForRevenueAsync(TestCompany company, decimal revenue, string? what = null) =>
        Poll.UntilAsync<decimal?>(async () =>
        {
            using var response = await company.GetAsServerAsync($"/v1/revenue/summary?{Range}");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return null;
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checkoutRevenue").GetDecimal();
        }, r => r == revenue, TimeSpan.FromSeconds(90), what ?? $"{company.CompanyKey}'s checkout revenue to reach {revenue}");

    private static string Range => $"from={DateTime.UtcNow.AddDays(-1):yyyy-MM-dd}&to={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}";

    private static Task<long> EventsAsync(NpgsqlDataSource database, TestCompany company) =>
        CountAsync(database, "SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1", company.CompanyKey);

    private static Task<long> RevenueRowsAsync(NpgsqlDataSource database, TestCompany company) =>
        CountAsync(database, "SELECT count(*) FROM revenue.company_days WHERE company_key = $1", company.CompanyKey);

    private static Task<long> FingerprintRowsAsync(NpgsqlDataSource database, TestCompany company, string fingerprint) =>
        CountAsync(database, "SELECT count(*) FROM event_store.mt_events WHERE tenant_id = $1 AND data->>'userFingerprint' = $2", company.CompanyKey, fingerprint);

    private static async Task<long> CountAsync(NpgsqlDataSource database, string sql, params object[] parameters)
    {
        await using var cmd = database.CreateCommand(sql);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
