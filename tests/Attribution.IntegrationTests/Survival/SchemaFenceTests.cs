using Attribution.Contracts.Ingestion;
using Attribution.Engine.Recording;
using Attribution.EventStore;
using Attribution.IntegrationTests.Infrastructure;
using Attribution.ServiceDefaults.Database;
using Npgsql;
using RabbitMQ.Client;

namespace Attribution.IntegrationTests.Survival;

/// <summary>
/// Rolling upgrades: once a newer build has migrated the database, processes of the older build
/// stop (exit code 78) and will not start again until upgraded, so they never write data in the
/// shape the migration replaced. A migration row this build does not have stands for the newer
/// build's. Each test has a database and a virtual host of its own: the fence would otherwise stop
/// the run's shared engines too.
/// </summary>
[NonParallelizable]
public sealed class SchemaFenceTests
{
    private const string NewerMigration = "9999_from_a_newer_build.sql";

    [Test]
    public async Task Migrating_a_database_that_a_newer_build_has_migrated_applies_nothing_and_fails_naming_the_unknown_migration()
    {
        await using var scratch = await TestServices.CreateScratchEnvironmentAsync("fence_migrate");
        await using var database = NpgsqlDataSource.Create(scratch.PostgresConnection);
        Assert.That(await DatabaseExtensions.UnknownMigrationsAsync(database, CancellationToken.None), Is.Empty, "a database this build migrated");

        // A newer build's application migration, while this build would still have an event-store one to
        // apply (their rows removed): the refusal must come before anything is applied, for every component.
        await RecordNewerMigrationAsync(database, "app");
        await ExecuteAsync(database, "DELETE FROM public.schema_migrations WHERE component = 'event_store'");

        var refused = Assert.ThrowsAsync<SchemaNewerThanBuildException>(() => DatabaseExtensions.MigrateAsync(database, CancellationToken.None));
        Assert.That(refused!.UnknownMigrations, Is.EqualTo(new[] { $"app/{NewerMigration}" }));
        Assert.That(refused.Message, Does.Contain($"app/{NewerMigration}").And.Contain("upgrade"));
        Assert.That(await ScalarAsync(database, "SELECT count(*) FROM public.schema_migrations WHERE component = 'event_store'"), Is.Zero,
            "the event store's pending migration was not applied");

        // A build of another lineage: the same version under another name is not this build's migration either.
        await ExecuteAsync(database, "UPDATE public.schema_migrations SET name = '0001_of_another_lineage.sql' WHERE component = 'app' AND version = 1");
        Assert.That(await DatabaseExtensions.UnknownMigrationsAsync(database, CancellationToken.None),
            Is.EqualTo(new[] { "app/0001_of_another_lineage.sql", $"app/{NewerMigration}" }));
    }

    [Test]
    public async Task An_engine_stops_once_a_newer_build_migrates_and_is_refused_at_start_until_upgraded()
    {
        await using var scratch = await TestServices.CreateScratchEnvironmentAsync("fence_engine");
        await using var database = NpgsqlDataSource.Create(scratch.PostgresConnection);
        var cartQueue = RecordingQueues.Of<CartEventReceived>();
        using var engine = EngineProcess.Start("older build", new Dictionary<string, string?>
        {
            ["POSTGRES_CONNECTION"] = scratch.PostgresConnection,
            ["RABBITMQ_URL"] = scratch.RabbitMqUrl,
            ["SchemaFence__Interval"] = "00:10:00", // longer than the test: the stop must come from the migration's notification
        });
        await using var broker = await new ConnectionFactory { Uri = new Uri(scratch.RabbitMqUrl) }.CreateConnectionAsync();
        try
        {
            await Poll.UntilAsync(() => QueueCounts.ConsumersAsync(broker, cartQueue), n => n >= 1, TimeSpan.FromSeconds(60), "the engine consuming");

            // A newer build migrates the database: the running engine stops, within the default backstop
            // interval (30 s), so at the migration's notification; and the supervisor's restart is refused.
            await RecordNewerMigrationAsync(database, "app");
            await Poll.UntilAsync(() => Task.FromResult(engine.Restarts), restarts => restarts.Count >= 1, TimeSpan.FromSeconds(20),
                "the engine to stop at the migration's notification");
            await Poll.UntilAsync(() => Task.FromResult(engine.Restarts), restarts => restarts.Count >= 2, TimeSpan.FromSeconds(40),
                "its restart to be refused");
            Assert.That(engine.Restarts.Take(2), Is.All.EqualTo(SchemaFence.RefusedExitCode), "exit codes: stopped by the fence, then refused at start");
            Assert.That(await QueueCounts.ConsumersAsync(broker, cartQueue), Is.Zero, "no engine of the older build consumes: messages wait for the newer one");

            // Upgraded (the build now knows every migration): the supervisor's next start runs and consumes again.
            await ForgetNewerMigrationAsync(database);
            await Poll.UntilAsync(() => QueueCounts.ConsumersAsync(broker, cartQueue), n => n >= 1, TimeSpan.FromSeconds(60), "the upgraded engine consuming");
        }
        finally
        {
            await engine.KillAsync();
        }
    }

    // What SchemaMigrator does for each migration it applies: record it, and notify on commit.
    private static async Task RecordNewerMigrationAsync(NpgsqlDataSource database, string component)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var record = new NpgsqlCommand("INSERT INTO public.schema_migrations (component, version, name) VALUES ($1, 9999, $2)", connection, tx))
        {
            record.Parameters.AddWithValue(component);
            record.Parameters.AddWithValue(NewerMigration);
            await record.ExecuteNonQueryAsync();
        }
        await using (var notify = new NpgsqlCommand($"NOTIFY {SchemaMigrator.MigratedChannel}", connection, tx))
            await notify.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    private static Task ForgetNewerMigrationAsync(NpgsqlDataSource database) =>
        ExecuteAsync(database, "DELETE FROM public.schema_migrations WHERE version = 9999");

    private static async Task ExecuteAsync(NpgsqlDataSource database, string sql)
    {
        await using var cmd = database.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource database, string sql)
    {
        await using var cmd = database.CreateCommand(sql);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
