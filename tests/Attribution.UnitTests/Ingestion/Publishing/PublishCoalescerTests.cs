using System.Collections.Concurrent;
using System.Diagnostics;
using Attribution.Gateway.Ingestion.Publishing;

namespace Attribution.UnitTests.Ingestion.Publishing;

/// <summary>
/// The coalescer that lets concurrent single events share one broker message: the linger,
/// the size limit, failures confined to the publish that carried them, and zero as off.
/// </summary>
public sealed class PublishCoalescerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>A publish that records what it carried; one whose items include "fail" throws.</summary>
    private sealed class RecordingPublish
    {
        public ConcurrentQueue<IReadOnlyList<string>> Published { get; } = new();

        public Task PublishAsync(IReadOnlyList<string> items)
        {
            Published.Enqueue(items);
            return items.Contains("fail") ? Task.FromException(new InvalidOperationException("broker refused")) : Task.CompletedTask;
        }
    }

    [Test]
    public async Task Items_sent_within_the_linger_share_one_publish_and_none_goes_before_it_ends()
    {
        var publish = new RecordingPublish();
        var linger = TimeSpan.FromMilliseconds(300);
        await using var coalescer = new PublishCoalescer<string>(linger, maxBatch: 100, publish.PublishAsync);

        var clock = Stopwatch.StartNew();
        var sent = new[] { "a", "b", "c", "d" }.Select(coalescer.PublishAsync).ToList();
        await Task.WhenAll(sent).WaitAsync(Deadline);

        Assert.That(publish.Published, Has.Count.EqualTo(1));
        Assert.That(publish.Published.Single(), Is.EqualTo(new[] { "a", "b", "c", "d" }), "in the order they came");
        // The timer may fire a hair early on a coarse clock; never a whole linger early.
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(linger - TimeSpan.FromMilliseconds(20)), "the first item waits out the linger");
    }

    [Test]
    public async Task A_lone_item_is_published_once_the_linger_ends()
    {
        var publish = new RecordingPublish();
        await using var coalescer = new PublishCoalescer<string>(TimeSpan.FromMilliseconds(20), maxBatch: 100, publish.PublishAsync);

        await coalescer.PublishAsync("alone").WaitAsync(Deadline);
        await coalescer.PublishAsync("later").WaitAsync(Deadline);

        Assert.That(publish.Published.Select(p => p.ToArray()), Is.EqualTo(new[] { new[] { "alone" }, new[] { "later" } }));
    }

    [Test]
    public async Task A_full_batch_goes_at_once_without_waiting_for_the_linger()
    {
        var publish = new RecordingPublish();
        await using var coalescer = new PublishCoalescer<string>(TimeSpan.FromHours(1), maxBatch: 3, publish.PublishAsync);

        var sent = Enumerable.Range(0, 7).Select(i => coalescer.PublishAsync($"e{i}")).ToList();
        await Task.WhenAll(sent.Take(6)).WaitAsync(Deadline);

        Assert.That(publish.Published.Select(p => p.Count), Is.EqualTo(new[] { 3, 3 }), "never more than the limit in one publish");
        Assert.That(sent[6].IsCompleted, Is.False, "the seventh still lingers: only an hour or a full batch sends it");

        await coalescer.DisposeAsync();
        Assert.That(sent[6].IsCompletedSuccessfully, Is.True, "stopping publishes what was still gathering");
        Assert.That(publish.Published.Last(), Is.EqualTo(new[] { "e6" }));
    }

    [Test]
    public async Task A_failed_publish_fails_exactly_the_items_it_carried()
    {
        var publish = new RecordingPublish();
        await using var coalescer = new PublishCoalescer<string>(TimeSpan.FromHours(1), maxBatch: 2, publish.PublishAsync);

        var first = new[] { coalescer.PublishAsync("a"), coalescer.PublishAsync("fail") };
        var second = new[] { coalescer.PublishAsync("c"), coalescer.PublishAsync("d") };
        // Waits for all four, failed or not (a timeout shows as an unfinished task below).
        await Task.WhenAll(first.Concat(second)).WaitAsync(Deadline).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        Assert.Multiple(() =>
        {
            Assert.That(first, Has.All.Matches<Task>(t => t.IsFaulted && t.Exception!.InnerException is InvalidOperationException),
                "both requests of the refused message fail, with its error");
            Assert.That(second, Has.All.Matches<Task>(t => t.IsCompletedSuccessfully), "the next message's requests are unaffected");
        });
    }

    [Test]
    public async Task A_linger_of_zero_publishes_each_item_alone_at_once()
    {
        var publish = new RecordingPublish();
        await using var coalescer = new PublishCoalescer<string>(TimeSpan.Zero, maxBatch: 100, publish.PublishAsync);

        var sent = Enumerable.Range(0, 5).Select(i => coalescer.PublishAsync($"e{i}")).ToList();

        Assert.That(sent, Has.All.Matches<Task>(t => t.IsCompletedSuccessfully), "published on the caller's own call, not later");
        Assert.That(publish.Published.Select(p => p.Count), Is.EqualTo(new[] { 1, 1, 1, 1, 1 }));
        await Task.WhenAll(sent);
    }

    [Test]
    public async Task Concurrent_callers_under_load_each_complete_once_and_every_item_is_published_once()
    {
        var publish = new RecordingPublish();
        await using var coalescer = new PublishCoalescer<string>(TimeSpan.FromMilliseconds(1), maxBatch: 50, publish.PublishAsync);

        var items = Enumerable.Range(0, 2_000).Select(i => $"e{i}").ToList();
        await Task.WhenAll(items.Select(i => Task.Run(() => coalescer.PublishAsync(i)))).WaitAsync(Deadline);

        var published = publish.Published.SelectMany(p => p).ToList();
        Assert.That(published, Is.EquivalentTo(items));
        Assert.That(publish.Published.Select(p => p.Count), Has.All.InRange(1, 50));
        TestContext.Out.WriteLine($"{items.Count} items in {publish.Published.Count} publishes");
    }
}
