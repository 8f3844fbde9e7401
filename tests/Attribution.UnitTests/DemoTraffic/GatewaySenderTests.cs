using System.Net;
using System.Text.Json.Nodes;
using Attribution.DemoTraffic;

namespace Attribution.UnitTests.DemoTraffic;

/// <summary>The demo sender's retries (Polly) against a scripted gateway: no network, no real waiting.</summary>
public sealed class GatewaySenderTests
{
    private static readonly DemoEvent Refund = new("refund-1", Guid.NewGuid(), DemoRoute.Refund, "refund", DateTimeOffset.UtcNow,
        new JsonObject { ["refundId"] = "R-1", ["orderId"] = "O-1", ["amount"] = 1, ["currency"] = "USD" });

    private sealed class ScriptedGateway(params Func<HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var answer = answers[Math.Min(Calls, answers.Length - 1)]();
            Calls++;
            answer.RequestMessage = request;
            return Task.FromResult(answer);
        }
    }

    private static HttpResponseMessage Status(HttpStatusCode status, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/problem+json") };
        if (retryAfter is { } wait) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(wait);
        return response;
    }

    [Test]
    public async Task A_429_or_503_is_sent_again_after_its_retry_after_until_accepted()
    {
        var gateway = new ScriptedGateway(
            () => Status(HttpStatusCode.TooManyRequests, TimeSpan.Zero),
            () => Status(HttpStatusCode.ServiceUnavailable, TimeSpan.Zero),
            () => Status(HttpStatusCode.Accepted));
        using var http = new HttpClient(gateway) { BaseAddress = new Uri("http://gateway.test/") };
        var sender = new GatewaySender(http, "secret", TextWriter.Null);

        await sender.SendRefundAsync(Refund, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(gateway.Calls, Is.EqualTo(3));
            Assert.That(sender.Results.Accepted, Is.EqualTo(1));
            Assert.That(sender.Results.Undelivered, Is.Zero);
        });
    }

    [Test]
    public void A_refusal_is_not_retried()
    {
        var gateway = new ScriptedGateway(() => Status(HttpStatusCode.Unauthorized));
        using var http = new HttpClient(gateway) { BaseAddress = new Uri("http://gateway.test/") };
        var sender = new GatewaySender(http, "secret", TextWriter.Null);

        Assert.ThrowsAsync<GatewayRefusedException>(() => sender.SendRefundAsync(Refund, CancellationToken.None));
        Assert.That(gateway.Calls, Is.EqualTo(1));
    }
}
