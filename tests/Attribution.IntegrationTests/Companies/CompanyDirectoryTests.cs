using Attribution.IntegrationTests.Infrastructure;
using Attribution.ServiceDefaults.Companies;
using Microsoft.Extensions.Logging.Abstractions;
using Attribution.Domain.Companies;

namespace Attribution.IntegrationTests.Companies;

/// <summary>The company cache of two gateway instances over the real database.</summary>
public sealed class CompanyDirectoryTests
{
    [Test]
    public async Task A_change_on_one_instance_reaches_the_cache_of_another_long_before_it_expires()
    {
        var first = new CompanyDirectory(TestServices.Database, TimeProvider.System);
        var second = new CompanyDirectory(TestServices.Database, TimeProvider.System);
        using var listener = new CompanyChangeListener(TestServices.Database, second, NullLogger<CompanyChangeListener>.Instance);
        await listener.StartAsync(CancellationToken.None);

        var (company, secret) = await first.CreateAsync(new Company { CompanyKey = "", Name = "Cache", ReportingCurrency = "USD" }, CancellationToken.None);
        Assert.That((await second.FindByKeyAsync(company.CompanyKey, CancellationToken.None))!.AttributionWindowHours, Is.EqualTo(24)); // now cached

        // The listener may still be subscribing: change until the other instance sees it (well under the 30 s cache lifetime).
        var window = 24;
        await Poll.UntilAsync(async () =>
        {
            await first.UpdateAsync(company.CompanyKey, c => c with { AttributionWindowHours = ++window }, CancellationToken.None);
            return (await second.FindByKeyAsync(company.CompanyKey, CancellationToken.None))!.AttributionWindowHours;
        }, seen => seen > 24, TimeSpan.FromSeconds(5), "the second instance to see the change");

        Assert.That((await second.FindBySecretAsync(secret, CancellationToken.None))!.CompanyKey, Is.EqualTo(company.CompanyKey));
        await listener.StopAsync(CancellationToken.None);
    }

    [Test]
    public async Task Unknown_keys_are_not_cached_so_made_up_keys_cannot_grow_memory()
    {
        var directory = new CompanyDirectory(TestServices.Database, TimeProvider.System);
        var (company, _) = await directory.CreateAsync(new Company { CompanyKey = "", Name = "Known", ReportingCurrency = "USD" }, CancellationToken.None);

        for (var i = 0; i < 200; i++)
            Assert.That(await directory.FindByKeyAsync($"ck_made_up_{i}", CancellationToken.None), Is.Null);
        Assert.That(await directory.FindByKeyAsync(company.CompanyKey, CancellationToken.None), Is.Not.Null);

        Assert.That(directory.CachedCount, Is.EqualTo(1), "only the company that exists is cached");
    }
}
