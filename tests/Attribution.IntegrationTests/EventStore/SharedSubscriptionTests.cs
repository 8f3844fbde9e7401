using Attribution.EventStore;
using Attribution.EventStore.Projections;
using Attribution.IntegrationTests.Infrastructure;
using Marten;
using Npgsql;

namespace Attribution.IntegrationTests.EventStore;

/// <summary>
/// Projections that share a daemon subscription get each page from one read, and each applies it
/// with its own checkpoint: one that fails is retried on its own until it succeeds, while the
/// other neither applies the page again nor waits to commit it.
/// </summary>
public sealed class SharedSubscriptionTests
{
    [Test]
    public async Task Each_projection_of_a_shared_subscription_applies_every_event_once_and_a_failing_one_is_retried_alone()
    {
        var prefix = $"shared-{Guid.NewGuid():N}-";
        var subscription = $"shared_{Guid.NewGuid():N}";
        var options = new EventStoreOptions();
        CounterEvents.Register(options.Events);
        var steady = new CounterProjection(prefix);
        var flaky = new CounterProjection(prefix + "x"); // the same streams: every one starts with prefix + "x"
        var failing = new InSubscription(flaky, subscription, failures: 2);
        options.AddProjection(new InSubscription(steady, subscription, failures: 0), ProjectionLifecycle.Async);
        options.AddProjection(failing, ProjectionLifecycle.Async);
        var store = MartenEventStore.Create(TestServices.Database, options);

        const int appended = 40;
        for (var i = 0; i < appended; i++)
            await store.AppendAsync([new StreamAppend($"{prefix}x-{i % 4}", "tenant-a", ExpectedVersion.Any,
                [new NewEvent(Guid.NewGuid(), new CounterEvents.V1.Incremented(1))])]);

        var daemon = await store.Marten.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        try
        {
            var reader = new DocumentReader(TestServices.Database);
            async Task<int> CountedBy(CounterProjection projection) =>
                (await reader.LoadAllAsync<Counter>(projection.DocumentType)).Where(c => c.Id.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Events);
            await Poll.UntilAsync(async () => (await CountedBy(steady), await CountedBy(flaky)),
                counts => counts.Item1 >= appended && counts.Item2 >= appended, TimeSpan.FromSeconds(60), "both projections caught up");
            var progressions = await ProgressionRowsAsync([subscription, steady.Name, flaky.Name]);
            var (countedBySteady, countedByFlaky) = (await CountedBy(steady), await CountedBy(flaky));

            Assert.Multiple(() =>
            {
                Assert.That(failing.Failed, Is.EqualTo(2), "the failing projection was retried until it succeeded");
                Assert.That(countedBySteady, Is.EqualTo(appended), "the other applied every event once, not again on the retries");
                Assert.That(countedByFlaky, Is.EqualTo(appended), "the retried one applied every event once, none skipped");
                Assert.That(progressions, Is.EqualTo(new[] { subscription + ":All" }), "Marten keeps one progression, the subscription's");
            });
        }
        finally
        {
            await daemon.StopAllAsync();
        }
    }

    private static async Task<List<string>> ProgressionRowsAsync(string[] names)
    {
        await using var cmd = TestServices.Database.CreateCommand("SELECT name FROM event_store.mt_event_progression WHERE name = ANY($1) ORDER BY name");
        cmd.Parameters.AddWithValue(names.Select(n => n + ":All").ToArray());
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    /// <summary>A projection placed in a given subscription, which fails its first pages with events.</summary>
    private sealed class InSubscription(IProjection inner, string subscription, int failures) : IProjection
    {
        private int _failed;

        public int Failed => _failed;

        public string Name => inner.Name;

        public string Subscription => subscription;

        public IReadOnlyCollection<Type>? EventTypes => inner.EventTypes;

        public Task ApplyAsync(ProjectionBatch batch, CancellationToken ct)
        {
            if (batch.Events.Count > 0 && Volatile.Read(ref _failed) < failures)
            {
                Interlocked.Increment(ref _failed);
                throw new InvalidOperationException("A projection that fails its first pages.");
            }
            return inner.ApplyAsync(batch, ct);
        }

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) => inner.ResetAsync(connection, transaction, ct);
    }
}
