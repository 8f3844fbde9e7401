using Attribution.Gateway.Auth;
using Attribution.Domain.Companies;

namespace Attribution.UnitTests.Admin;

/// <summary>The allowedOrigins of a company (contract §7): origins only, kept as a browser sends its Origin header.</summary>
public sealed class AllowedOriginsTests
{
    // given, stored
    [TestCase("https://shop.example", "https://shop.example")]
    [TestCase("http://localhost:3000", "http://localhost:3000")]
    [TestCase("https://shop.example/", "https://shop.example", TestName = "one trailing slash is dropped")]
    [TestCase("HTTPS://Shop.EXAMPLE", "https://shop.example", TestName = "scheme and host in lower case")]
    [TestCase("https://shop.example:443", "https://shop.example", TestName = "https default port dropped")]
    [TestCase("http://shop.example:80", "http://shop.example", TestName = "http default port dropped")]
    [TestCase("https://shop.example:80", "https://shop.example:80", TestName = "another scheme's default port kept")]
    [TestCase("http://127.0.0.1:5080", "http://127.0.0.1:5080", TestName = "an IPv4 address")]
    [TestCase("http://[::1]:8080", "http://[::1]:8080", TestName = "an IPv6 address")]
    [TestCase("http://[0:0:0:0:0:0:0:1]", "http://[::1]", TestName = "an IPv6 address compressed")]
    [TestCase("https://bücher.example", "https://xn--bcher-kva.example", TestName = "an internationalised name in its ASCII form")]
    [TestCase("https://my-shop.myshopify.com", "https://my-shop.myshopify.com")]
    public void An_origin_is_stored_as_a_browser_sends_it(string given, string stored) =>
        Assert.That(BrowserOrigins.Normalize(given), Is.EqualTo(stored));

    [TestCase("*", TestName = "a wildcard")]
    [TestCase("", TestName = "empty")]
    [TestCase("https://*.shop.example", TestName = "a wildcard subdomain")]
    [TestCase("javascript:alert(1)", TestName = "javascript")]
    [TestCase("javascript://shop.example", TestName = "javascript with slashes")]
    [TestCase("data:text/html,hi", TestName = "data")]
    [TestCase("ftp://shop.example", TestName = "another scheme")]
    [TestCase("shop.example", TestName = "no scheme")]
    [TestCase("//shop.example", TestName = "scheme-relative")]
    [TestCase("http:shop.example", TestName = "no slashes")]
    [TestCase("http:\\\\shop.example", TestName = "backslashes")]
    [TestCase("https://", TestName = "no host")]
    [TestCase("https://:443", TestName = "only a port")]
    [TestCase("https://shop.example/cart", TestName = "a path")]
    [TestCase("https://shop.example//", TestName = "two slashes")]
    [TestCase("https://shop.example?x=1", TestName = "a query")]
    [TestCase("https://shop.example#top", TestName = "a fragment")]
    [TestCase("https://user@shop.example", TestName = "user info")]
    [TestCase("https://user:pw@shop.example", TestName = "user info with a password")]
    [TestCase(" https://shop.example", TestName = "leading space")]
    [TestCase("https://shop.example ", TestName = "trailing space")]
    [TestCase("https://shop.example\0", TestName = "NUL")]
    [TestCase("https://shop..example", TestName = "an empty label")]
    [TestCase("https://shop.example.", TestName = "a trailing dot")]
    [TestCase("https://-shop.example", TestName = "a label starting with a hyphen")]
    [TestCase("https://shop%2eexample", TestName = "percent-encoding")]
    [TestCase("https://shop.example:0", TestName = "port 0")]
    [TestCase("https://shop.example:65536", TestName = "port over 65535")]
    [TestCase("https://shop.example:", TestName = "an empty port")]
    [TestCase("https://shop.example:+80", TestName = "a signed port")]
    [TestCase("http://1.2.3", TestName = "a shortened IPv4 address")]
    [TestCase("http://256.1.1.1", TestName = "an IPv4 octet over 255")]
    [TestCase("http://[::1", TestName = "an unclosed IPv6 bracket")]
    [TestCase("http://[fe80::1%25eth0]", TestName = "an IPv6 zone")]
    [TestCase("null", TestName = "the opaque origin")]
    public void Anything_else_is_no_origin(string given) =>
        Assert.That(BrowserOrigins.Normalize(given), Is.Null);

    [Test]
    public void A_normalised_origin_matches_what_the_browser_sends()
    {
        var company = new Company
        {
            CompanyKey = "ck", Name = "Shop", ReportingCurrency = "USD",
            AllowedOrigins = [BrowserOrigins.Normalize("HTTPS://Shop.Example:443/")!],
        };

        Assert.That(BrowserOrigins.IsAllowed(company, "https://shop.example"), Is.True);
        Assert.That(BrowserOrigins.IsAllowed(company, "https://evil.example"), Is.False);
        Assert.That(BrowserOrigins.IsAllowed(company, "http://shop.example"), Is.False);
    }
}
