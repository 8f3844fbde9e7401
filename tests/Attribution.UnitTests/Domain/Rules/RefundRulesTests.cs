using Attribution.Domain.Rules;


namespace Attribution.UnitTests.Domain.Rules;

public sealed class RefundRulesTests
{
    private static readonly RefundRules.CountedOrder Order = new(199.97m, "USD");

    private static RefundRules.Refund Refund(string id, decimal amount, long seq, string currency = "USD") =>
        new(Guid.NewGuid(), seq, id, amount, currency);

    [Test]
    public void A_refund_subtracts_its_amount()
    {
        var applied = RefundRules.Apply(Order, [Refund("R-1", 79.99m, 1)]).Single();
        Assert.That(applied.Applied, Is.EqualTo(79.99m));
        Assert.That(applied.Reasons, Is.Empty);
    }

    [Test]
    public void A_refund_over_the_order_value_is_capped_so_the_order_never_goes_below_zero()
    {
        var applied = RefundRules.Apply(Order, [Refund("R-1", 250m, 1)]).Single();
        Assert.That(applied.Applied, Is.EqualTo(199.97m));
        Assert.That(applied.Reasons.Single(), Does.Contain("never goes below zero"));
    }

    [Test]
    public void Refunds_together_never_take_more_than_the_order()
    {
        var applied = RefundRules.Apply(Order, [Refund("R-1", 150m, 1), Refund("R-2", 100m, 2), Refund("R-3", 10m, 3)]);
        Assert.That(applied.Select(a => a.Applied), Is.EqualTo(new[] { 150m, 49.97m, 0m }));
    }

    [Test]
    public void The_same_refund_id_applies_once_whichever_copy_arrives_later()
    {
        var applied = RefundRules.Apply(Order, [Refund("R-1", 79.99m, 5), Refund("R-1", 79.99m, 2)]);
        Assert.That(applied.Select(a => a.Applied), Is.EqualTo(new[] { 79.99m, 0m }), "in recorded order: the first copy applies");
        Assert.That(applied[1].Reasons.Single(), Does.Contain("already applied"));
    }

    [Test]
    public void A_refund_before_its_order_is_recorded_applies_nothing_yet() =>
        Assert.That(RefundRules.Apply(null, [Refund("R-1", 10m, 1)]).Single().Applied, Is.Zero);

    [Test]
    public void A_refund_in_another_currency_is_not_applied() =>
        Assert.That(RefundRules.Apply(Order, [Refund("R-1", 10m, 1, "EUR")]).Single().Applied, Is.Zero);
}
