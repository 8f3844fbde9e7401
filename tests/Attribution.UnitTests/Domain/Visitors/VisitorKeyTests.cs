using Attribution.Domain.Visitors;

namespace Attribution.UnitTests.Domain.Visitors;

public sealed class VisitorKeyTests
{
    [Test]
    public void The_chat_fingerprint_names_the_visitor_and_the_faq_one_only_without_it()
    {
        Assert.That(VisitorKey.Of("fp_1", "faq_1"), Is.EqualTo("fp_1"));
        Assert.That(VisitorKey.Of(null, "faq_1"), Is.EqualTo("faq#faq_1"));
    }

    [Test]
    public void No_chat_fingerprint_can_collide_with_an_faq_or_anonymous_key()
    {
        // ':' is in the fingerprint alphabet, '#' is not.
        Assert.That(VisitorKey.Of("faq:abc", null), Is.Not.EqualTo(VisitorKey.Of(null, "abc")));
        Assert.That(VisitorKey.Anonymous(Guid.Empty), Does.Contain("#"));
        Assert.That(VisitorKey.Candidates("abc"), Is.EqualTo(new[] { "abc", "faq#abc" }));
    }

    [Test]
    public void A_visitor_needs_a_fingerprint() =>
        Assert.Throws<ArgumentException>(() => VisitorKey.Of(null, null));
}
