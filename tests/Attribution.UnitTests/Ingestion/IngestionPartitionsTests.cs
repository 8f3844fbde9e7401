using System.Net;
using Attribution.Gateway.Ingestion;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Attribution.UnitTests.Ingestion;

/// <summary>
/// Which ingestion bucket a request draws from: its company's once its credential has been answered
/// a 2xx, its client address's before that or without one, and a webhook's company and address.
/// </summary>
public sealed class IngestionPartitionsTests
{
    private const string Key = "ck_real_store";
    private const string Secret = "sk_real_secret";

    [Test]
    public void Calls_without_a_credential_draw_from_their_client_address_bucket()
    {
        var partitions = new IngestionPartitions();

        Assert.That(partitions.PartitionOf(Request("203.0.113.7")), Is.Not.EqualTo(partitions.PartitionOf(Request("198.51.100.9"))),
            "one address's flood does not drain another's bucket");
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Path = "/v1/events/batch")), Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))),
            "one bucket per address, whichever ingestion endpoint");
    }

    [Test]
    public void X_Forwarded_For_is_not_believed()
    {
        var partitions = new IngestionPartitions();
        var forged = Request("203.0.113.7", r => r.Headers["X-Forwarded-For"] = "198.51.100.9");

        Assert.That(partitions.PartitionOf(forged), Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))));
        Assert.That(partitions.PartitionOf(forged), Is.Not.EqualTo(partitions.PartitionOf(Request("198.51.100.9"))));
    }

    [Test]
    public void Made_up_keys_and_secrets_share_their_address_bucket_instead_of_one_each()
    {
        var partitions = new IngestionPartitions();
        var plain = partitions.PartitionOf(Request("203.0.113.7"));

        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = "ck_made_up_1")), Is.EqualTo(plain));
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.QueryString = new QueryString("?companyKey=ck_made_up_2"))), Is.EqualTo(plain));
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers.Authorization = "Bearer sk_made_up")), Is.EqualTo(plain));
    }

    [Test]
    public async Task A_key_answered_2xx_draws_from_its_company_bucket_from_every_address()
    {
        var partitions = new IngestionPartitions();
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key)), Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))),
            "before this gateway has seen the key authenticate, its address's bucket");
        await AnswerAsync(partitions, Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key), StatusCodes.Status202Accepted);

        var fromOne = partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key));
        var fromAnother = partitions.PartitionOf(Request("198.51.100.9", r => r.QueryString = new QueryString($"?companyKey={Key}")));
        Assert.That(fromAnother, Is.EqualTo(fromOne), "the company's storefront calls share one bucket");
        Assert.That(fromOne, Is.Not.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))));
    }

    [Test]
    public async Task A_secret_answered_2xx_draws_from_its_own_bucket_which_does_not_hold_the_secret_in_clear()
    {
        var partitions = new IngestionPartitions();
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers.Authorization = $"Bearer {Secret}")), Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))),
            "before this gateway has seen the secret authenticate, its address's bucket");
        await AnswerAsync(partitions, Request("203.0.113.7", r => r.Headers.Authorization = $"Bearer {Secret}"), StatusCodes.Status202Accepted);

        var partition = partitions.PartitionOf(Request("198.51.100.9", r => r.Headers.Authorization = $"Bearer {Secret}"));
        Assert.That(partition, Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers.Authorization = $"Bearer {Secret}"))));
        Assert.That(partition, Does.Not.Contain(Secret));
        Assert.That(partition, Is.Not.EqualTo(partitions.PartitionOf(Request("198.51.100.9"))));
    }

    [Test]
    public async Task A_401_or_a_429_teaches_nothing()
    {
        var partitions = new IngestionPartitions();
        await AnswerAsync(partitions, Request("203.0.113.7", r => r.Headers["X-Company-Key"] = "ck_made_up"), StatusCodes.Status401Unauthorized);
        await AnswerAsync(partitions, Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key), StatusCodes.Status429TooManyRequests);

        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = "ck_made_up")),
            Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))));
        Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key)),
            Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))));
    }

    [Test]
    public async Task A_known_company_webhook_draws_from_the_bucket_of_its_company_and_client_address()
    {
        var partitions = new IngestionPartitions();
        await AnswerAsync(partitions, Webhook("ck_shop_a", "203.0.113.7"), StatusCodes.Status200OK);
        await AnswerAsync(partitions, Webhook("ck_shop_b", "203.0.113.7"), StatusCodes.Status200OK);

        var aFromOne = partitions.PartitionOf(Webhook("ck_shop_a", "203.0.113.7"));
        Assert.Multiple(() =>
        {
            Assert.That(partitions.PartitionOf(Webhook("ck_shop_b", "203.0.113.7")), Is.Not.EqualTo(aFromOne), "another company's webhooks");
            Assert.That(partitions.PartitionOf(Webhook("ck_shop_a", "198.51.100.9")), Is.Not.EqualTo(aFromOne), "the same company's deliveries from elsewhere");
            Assert.That(partitions.PartitionOf(Request("203.0.113.7")), Is.Not.EqualTo(aFromOne), "calls without a credential from that address");
            Assert.That(partitions.PartitionOf(Request("203.0.113.7", r => r.Headers["X-Company-Key"] = "ck_shop_a")), Is.Not.EqualTo(aFromOne),
                "the company's storefront bucket");
        });
    }

    [Test]
    public async Task A_webhook_is_keyed_by_its_route_whatever_headers_it_carries()
    {
        var partitions = new IngestionPartitions();
        await AnswerAsync(partitions, Request("203.0.113.7", r => r.Headers["X-Company-Key"] = Key), StatusCodes.Status202Accepted);

        // Naming a known company in a header does not move an unknown company's webhooks into (and drain) that company's bucket.
        var forged = partitions.PartitionOf(Webhook("ck_unknown_shop", "203.0.113.7", r => r.Headers["X-Company-Key"] = Key));
        Assert.That(forged, Is.EqualTo(partitions.PartitionOf(Request("203.0.113.7"))));
        Assert.That(forged, Is.Not.EqualTo(partitions.PartitionOf(Request("198.51.100.9", r => r.Headers["X-Company-Key"] = Key))));
    }

    [Test]
    public void An_unknown_company_webhook_draws_from_its_address_bucket_so_made_up_routes_do_not_each_get_one()
    {
        var partitions = new IngestionPartitions();

        Assert.That(partitions.PartitionOf(Webhook("ck_made_up_1", "203.0.113.7")), Is.EqualTo(partitions.PartitionOf(Webhook("ck_made_up_2", "203.0.113.7"))));
        Assert.That(partitions.PartitionOf(Webhook("ck_made_up_1", "203.0.113.7")), Is.Not.EqualTo(partitions.PartitionOf(Webhook("ck_made_up_1", "198.51.100.9"))));
    }

    [Test]
    public void An_IPv6_client_is_counted_by_its_64_and_an_IPv4_mapped_one_as_IPv4()
    {
        Assert.That(IngestionPartitions.AddressOf(IPAddress.Parse("2001:db8:1:2:aaaa::1")),
            Is.EqualTo(IngestionPartitions.AddressOf(IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"))));
        Assert.That(IngestionPartitions.AddressOf(IPAddress.Parse("2001:db8:1:2::1")),
            Is.Not.EqualTo(IngestionPartitions.AddressOf(IPAddress.Parse("2001:db8:1:3::1"))));
        Assert.That(IngestionPartitions.AddressOf(IPAddress.Parse("::ffff:203.0.113.7")), Is.EqualTo(IngestionPartitions.AddressOf(IPAddress.Parse("203.0.113.7"))));
        Assert.That(IngestionPartitions.AddressOf(null), Is.EqualTo("unknown"));
    }

    private static DefaultHttpContext Request(string address, Action<HttpRequest>? customize = null)
    {
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseFeature>(new StartingResponseFeature());
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        http.Request.Method = "POST";
        http.Request.Path = "/v1/events/cart";
        customize?.Invoke(http.Request);
        return http;
    }

    private static DefaultHttpContext Webhook(string companyKey, string address, Action<HttpRequest>? customize = null)
    {
        var http = Request(address, customize);
        http.Request.Path = $"/v1/webhooks/shopify/{companyKey}/orders-create";
        http.Request.RouteValues["companyKey"] = companyKey;
        return http;
    }

    /// <summary>As the limiter does before the endpoint runs, then the endpoint answers <paramref name="status"/>.</summary>
    private static async Task AnswerAsync(IngestionPartitions partitions, DefaultHttpContext http, int status)
    {
        partitions.LearnFromAnswer(http);
        http.Response.StatusCode = status;
        await ((StartingResponseFeature)http.Features.Get<IHttpResponseFeature>()!).StartAsync();
    }

    /// <summary>A response that runs its OnStarting callbacks when told to, as a server does before sending the headers.</summary>
    private sealed class StartingResponseFeature : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _starting = [];

        public override void OnStarting(Func<object, Task> callback, object state) => _starting.Add((callback, state));

        public async Task StartAsync()
        {
            foreach (var (callback, state) in _starting) await callback(state);
        }
    }
}
