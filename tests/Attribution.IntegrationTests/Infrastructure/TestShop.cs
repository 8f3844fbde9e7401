using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>What the Shopify and order tests share: a shop with a webhook secret, signed deliveries, a qualifying chat.</summary>
public static class TestShop
{
    /// <summary>Creates a company with a Shopify webhook secret through the admin API.</summary>
    public static async Task<TestCompany> CreateShopAsync(this RunningSystem system, string secret, string name = "Shopify store")
    {
        using var response = await system.AdminAsync(HttpMethod.Post, "/v1/admin/companies",
            new { name, reportingCurrency = "USD", shopifyWebhookSecret = secret });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new TestCompany(created.GetProperty("companyKey").GetString()!, created.GetProperty("apiSecret").GetString()!, system.Http);
    }

    /// <summary>The base64 HMAC-SHA256 of the body under the secret, as Shopify signs a delivery.</summary>
    public static string Sign(string body, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    /// <summary>Delivers a webhook: <paramref name="payload"/> signed with <paramref name="secret"/> (or the given signature), sent as <paramref name="body"/> when given.</summary>
    public static async Task<HttpResponseMessage> DeliverAsync(TestCompany company, string topic, string payload, string secret,
        string? signature = null, string? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/shopify/{company.CompanyKey}/{topic}")
        {
            Content = new StringContent(body ?? payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Shopify-Topic", topic.Replace('-', '/'));
        request.Headers.Add("X-Shopify-Hmac-Sha256", signature ?? Sign(payload, secret));
        return await company.Http.SendAsync(request);
    }

    /// <summary>A chat that qualifies (a real shopper message, then a helpful answer a minute later), stored before this returns.</summary>
    public static async Task ChatAsync(this TestCompany company, string fp, DateTimeOffset at, string conversationId = "shop-chat")
    {
        var ids = new List<Guid>();
        foreach (var body in new object[]
        {
            new { userFingerprint = fp, channel = "CHAT", kind = "SHOPPER_MESSAGE", conversationId, text = "Black running shoes in 42?", occurredAt = WireTime.Of(at) },
            new { userFingerprint = fp, channel = "CHAT", kind = "ASSISTANT_ANSWER", conversationId, helpful = true, occurredAt = WireTime.Of(at.AddMinutes(1)) },
        })
        {
            using var r = await company.PostAsServerAsync("/v1/events/interactions", body);
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            ids.Add((await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("eventId").GetGuid());
        }
        await StoredEvents.WaitForAsync(ids, "the chat stored");
    }

    /// <summary>How a Shopify event id was once derived, from public names only, as a forger would compute it.</summary>
    public static Guid PublicDerivation(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>A shop's local time as Shopify writes created_at.</summary>
    public static string ShopifyTime(DateTimeOffset at) =>
        at.ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);
}
