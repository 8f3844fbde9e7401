using Attribution.Engine.Deciding;
using Attribution.EventStore;

namespace Attribution.UnitTests.Engine.Deciding;

public sealed class DecisionTracesTests
{
    private const string Visitor = "visitor:ck:fp_1";
    private const string AnswerTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string CheckoutTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static StoredEvent Event(long sequence, string trace) =>
        new(sequence, Guid.NewGuid(), Visitor, sequence, "ck", "any.v1", new object(), new EventMetadata { TraceParent = trace }, DateTimeOffset.UnixEpoch);

    [Test]
    public void An_event_of_the_batch_continues_its_own_trace()
    {
        var traces = new DecisionTraces([Event(1, AnswerTrace), Event(2, CheckoutTrace)]);
        Assert.That(traces.Of(2, Visitor, first: true, own: CheckoutTrace)?.TraceParent, Is.EqualTo(CheckoutTrace));
    }

    [Test]
    public void A_first_decision_of_an_event_past_the_batch_continues_its_own_trace_not_the_batch_event_of_its_visitor()
    {
        // The page held the helpful answer; the checkout committed after the page was cut, and the reactor,
        // reading the visitor's whole stream, decided it with this page.
        var traces = new DecisionTraces([Event(1, AnswerTrace)]);
        Assert.That(traces.Of(2, Visitor, first: true, own: CheckoutTrace)?.TraceParent, Is.EqualTo(CheckoutTrace));
    }

    [Test]
    public void A_revision_continues_the_trace_of_the_visitor_event_that_caused_it()
    {
        // A late interaction in this batch revises a checkout decided earlier: the interaction's request led to it.
        var traces = new DecisionTraces([Event(7, AnswerTrace)]);
        Assert.That(traces.Of(2, Visitor, first: false, own: CheckoutTrace)?.TraceParent, Is.EqualTo(AnswerTrace));
    }

    [Test]
    public void Without_any_trace_the_append_decides()
    {
        Assert.That(DecisionTraces.None.Of(2, Visitor, first: false, own: CheckoutTrace), Is.Null);
    }
}
