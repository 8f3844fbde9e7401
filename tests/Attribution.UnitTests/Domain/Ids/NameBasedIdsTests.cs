using Attribution.Domain.Ids;


namespace Attribution.UnitTests.Domain.Ids;

public sealed class NameBasedIdsTests
{
    [Test]
    public void The_same_name_in_the_same_company_is_the_same_id()
    {
        var first = NameBasedIds.For("co_a", "decision:x:1");
        var again = NameBasedIds.For("co_a", "decision:x:" + 1);
        Assert.That(again, Is.EqualTo(first));
    }

    [Test]
    public void Two_companies_never_share_an_id_for_the_same_name() =>
        Assert.That(NameBasedIds.For("co_a", "decision:x:1"), Is.Not.EqualTo(NameBasedIds.For("co_b", "decision:x:1")));

    [Test]
    public void Ids_are_rfc_version_5_with_the_rfc_variant()
    {
        var id = NameBasedIds.For("co_a", "decision:x:1").ToString();
        Assert.That(id[14], Is.EqualTo('5'), id);
        Assert.That(id[19], Is.AnyOf('8', '9', 'a', 'b'), id);
    }

    [Test]
    public void A_company_key_cannot_be_shifted_into_the_name()
    {
        // "co" + ":a:x" and "co:a" + ":x" must not meet: the company is hashed into a namespace of its own.
        Assert.That(NameBasedIds.For("co", "a:x"), Is.Not.EqualTo(NameBasedIds.For("co:a", "x")));
    }
}
