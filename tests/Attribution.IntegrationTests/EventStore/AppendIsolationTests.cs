using Attribution.EventStore;
using Attribution.IntegrationTests.Infrastructure;

namespace Attribution.IntegrationTests.EventStore;

/// <summary>
/// What one caller's append can do to another's: nothing. An event id is unique within its tenant
/// only, and an event the store cannot hold fails its own caller alone, even when it would have
/// shared a group transaction with other callers' events.
/// </summary>
public sealed class AppendIsolationTests
{
    private string _prefix = "";
    private MartenEventStore _store = null!;

    public sealed record Named(string Name);

    [SetUp]
    public void SetUp()
    {
        _prefix = $"isolation-{Guid.NewGuid():N}-";
        var options = new EventStoreOptions();
        options.Events.Register<Named>("test_named.v1");
        _store = MartenEventStore.Create(TestServices.Database, options);
    }

    private StreamAppend Append(string stream, string tenant, Guid id, string name) =>
        new(_prefix + stream, tenant, ExpectedVersion.Any, [new NewEvent(id, new Named(name))]);

    [Test]
    public async Task The_same_event_id_in_two_tenants_is_two_events_and_a_repeat_within_a_tenant_is_one()
    {
        var id = Guid.NewGuid();
        var first = await _store.AppendAsync([Append("a", "tenant-a", id, "A's event")]);
        var other = await _store.AppendAsync([Append("b", "tenant-b", id, "B's event")]);
        var repeat = await _store.AppendAsync([Append("a", "tenant-a", id, "A's event again")]);

        Assert.That(first.Appended, Is.EqualTo(1));
        Assert.That(other.Appended, Is.EqualTo(1), "another tenant's event with the same id is stored, not dropped as a duplicate");
        Assert.That(repeat.Duplicates, Is.EqualTo(1), "within a tenant the id is the idempotency key");
        Assert.That((await _store.ReadStreamAsync(_prefix + "b")).Select(e => ((Named)e.Data).Name), Is.EqualTo(new[] { "B's event" }));
        Assert.That(await _store.ReadStreamAsync(_prefix + "a"), Has.Count.EqualTo(1));
    }

    [TestCase("bad", "a\u0000b", TestName = "A NUL in the data")]
    [TestCase("bad\u0000", "fine", TestName = "A NUL in the stream id")]
    public async Task An_unstorable_event_fails_its_own_caller_and_no_other(string badStream, string bad)
    {
        var poison = Guid.NewGuid();
        // Many callers at once, so the poison's append would share group transactions with theirs.
        var others = Enumerable.Range(0, 30).Select(i => Append($"ok-{i}", i % 2 == 0 ? "tenant-a" : "tenant-b", Guid.NewGuid(), $"fine {i}")).ToList();
        var appends = others.Select(o => _store.AppendAsync([o])).ToList();
        var poisoned = _store.AppendAsync([Append("ok-0", "tenant-a", Guid.NewGuid(), "a good neighbour"), Append(badStream, "tenant-a", poison, bad)]);

        var refused = Assert.ThrowsAsync<UnstorableEventException>(async () => await poisoned);
        Assert.That(refused!.Problems.Keys, Is.EquivalentTo(new[] { ("tenant-a", poison) }));
        await Task.WhenAll(appends);
        Assert.That(appends.Select(a => a.Result.Appended), Is.All.EqualTo(1), "every other caller's event is stored");
        Assert.That(await _store.ReadStreamAsync(_prefix + "bad"), Is.Empty);
        Assert.That((await _store.ReadStreamAsync(_prefix + "ok-0")).Select(e => ((Named)e.Data).Name), Is.EqualTo(new[] { "fine 0" }),
            "the poisoned caller's other event is not written either: its append is all or nothing");
        Assert.That(await StoredEvents.StreamsOutOfStepAsync(_prefix), Is.Empty);
    }
}
