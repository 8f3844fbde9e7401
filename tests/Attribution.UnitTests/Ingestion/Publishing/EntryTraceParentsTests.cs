using Attribution.ServiceDefaults.Messaging;

namespace Attribution.UnitTests.Ingestion.Publishing;

/// <summary>The header naming each coalesced entry's traceparent keeps entry order and refuses a count that does not match.</summary>
public sealed class EntryTraceParentsTests
{
    private const string First = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string Third = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    [Test]
    public void Each_entry_gets_its_own_traceparent_in_order_and_a_missing_one_stays_missing()
    {
        var header = EntryTraceParents.Format([First, null, Third]);
        Assert.That(EntryTraceParents.Parse(header, 3), Is.EqualTo(new[] { First, null, Third }));
    }

    [Test]
    public void A_header_that_does_not_match_the_entries_is_ignored()
    {
        var header = EntryTraceParents.Format([First, Third]);
        Assert.Multiple(() =>
        {
            Assert.That(EntryTraceParents.Parse(header, 3), Is.Null);
            Assert.That(EntryTraceParents.Parse(null, 2), Is.Null);
            Assert.That(EntryTraceParents.Parse("", 2), Is.Null);
        });
    }
}
