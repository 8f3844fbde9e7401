using System.Security.Cryptography;
using System.Text;
using Attribution.Gateway.Shopify;

namespace Attribution.UnitTests.Shopify;

public sealed class ShopifyEventIdsTests
{
    private const string Secret = "shpss_secret";

    [Test]
    public void The_same_order_of_the_same_company_under_the_same_secret_is_always_the_same_id()
    {
        var id = ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Order, "820982911946154508");
        Assert.That(ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Order, "820982911946154508"), Is.EqualTo(id), "a retried delivery is the same event");
        Assert.That(id.Version, Is.EqualTo(5), "a name-based id");
    }

    [Test]
    public void The_id_differs_per_company_secret_kind_and_shopify_id()
    {
        var id = ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Order, "4501");
        Assert.Multiple(() =>
        {
            Assert.That(ShopifyEventIds.Of(Secret, "ck_b", ShopifyEventIds.Order, "4501"), Is.Not.EqualTo(id), "another company");
            Assert.That(ShopifyEventIds.Of("another secret", "ck_a", ShopifyEventIds.Order, "4501"), Is.Not.EqualTo(id), "another secret");
            Assert.That(ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Refund, "4501"), Is.Not.EqualTo(id), "a refund with the order's number");
            Assert.That(ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Order, "4502"), Is.Not.EqualTo(id), "another order");
        });
    }

    [Test]
    public void The_id_is_not_the_one_anyone_with_the_public_company_key_could_compute()
    {
        Assert.That(ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Order, "4501"), Is.Not.EqualTo(PublicDerivation("ck_a:shopify:order:4501")));
        Assert.That(ShopifyEventIds.Of(Secret, "ck_a", ShopifyEventIds.Refund, "9"), Is.Not.EqualTo(PublicDerivation("ck_a:shopify:refund:9")));
    }

    /// <summary>The derivation the webhook used before: SHA-256 of public names only, which a storefront could pre-post.</summary>
    internal static Guid PublicDerivation(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
