using System.Security.Cryptography;
using System.Text;
using Attribution.Domain.Ids;

namespace Attribution.Gateway.Shopify;

/// <summary>
/// Pure: the event id of a Shopify order or refund. It is the same for every retried delivery of
/// that order, so the retries are one event; and it is computable only with the company's
/// shopifyWebhookSecret. An id named after the public company key and the order id alone could be
/// posted first by anyone holding the storefront key, and the signed webhook would then be
/// dropped as a duplicate of that forged event.
/// </summary>
public static class ShopifyEventIds
{
    public const string Order = "order";
    public const string Refund = "refund";

    /// <summary>
    /// The id of Shopify's <paramref name="kind"/> (<see cref="Order"/> or <see cref="Refund"/>) with id
    /// <paramref name="shopifyId"/>: a name-based id in the company's namespace, named after an
    /// HMAC-SHA256 of "kind:id" keyed with the webhook secret.
    /// </summary>
    public static Guid Of(string secret, string companyKey, string kind, string shopifyId)
    {
        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{kind}:{shopifyId}"), digest);
        return NameBasedIds.For(companyKey, $"shopify:{kind}:{Convert.ToHexStringLower(digest)}");
    }
}
