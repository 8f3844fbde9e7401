using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Attribution.Domain.Companies;
using Attribution.EventStore.Databases;

namespace Attribution.ServiceDefaults.Companies;

/// <summary>
/// Companies in PostgreSQL, with an in-process cache: every request authenticates, so the lookup
/// must not cost a round trip each time. A change is announced with NOTIFY (<see cref="ChangeChannel"/>)
/// so every instance drops its copy at once (<see cref="CompanyChangeListener"/>); the cache's
/// lifetime only bounds staleness if a notification is missed during a reconnect.
/// </summary>
public sealed class CompanyDirectory(NpgsqlDataSource dataSource, TimeProvider time, CompanyDatabases? databases = null)
{
    public const string ChangeChannel = "company_changed";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (Company Company, DateTimeOffset Until)> _byKey = new(StringComparer.Ordinal);

    private const string Columns =
        "company_key, name, reporting_currency, time_zone, attribution_window_hours, allowed_origins, quantity_mode, shopify_webhook_secret";

    /// <summary>
    /// Creates a company and returns it with its API secret, shown this once. It is placed in a
    /// company database first (where there is a pool), so it is in one as soon as it exists.
    /// </summary>
    public async Task<(Company Company, string ApiSecret)> CreateAsync(Company draft, CancellationToken ct)
    {
        var company = draft with { CompanyKey = "ck_" + RandomToken(18) };
        var secret = "sk_" + RandomToken(32);
        if (databases is not null) await databases.PlaceAsync(company.CompanyKey, ct);
        await using var cmd = dataSource.CreateCommand($"""
            INSERT INTO app.companies (api_secret_hash, {Columns})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """);
        cmd.Parameters.AddWithValue(HashSecret(secret));
        AddSettings(cmd, company);
        await cmd.ExecuteNonQueryAsync(ct);
        return (company, secret);
    }

    public async Task<Company?> UpdateAsync(string companyKey, Func<Company, Company> change, CancellationToken ct)
    {
        var current = await FindByKeyAsync(companyKey, ct, bypassCache: true);
        if (current is null) return null;
        var updated = change(current) with { CompanyKey = companyKey };
        await using var cmd = dataSource.CreateCommand("""
            UPDATE app.companies
            SET name = $2, reporting_currency = $3, time_zone = $4, attribution_window_hours = $5,
                allowed_origins = $6, quantity_mode = $7, shopify_webhook_secret = $8, updated_at = now()
            WHERE company_key = $1
            """);
        AddSettings(cmd, updated);
        await cmd.ExecuteNonQueryAsync(ct);
        await using (var notify = dataSource.CreateCommand($"SELECT pg_notify('{ChangeChannel}', $1)"))
        {
            notify.Parameters.AddWithValue(companyKey);
            await notify.ExecuteNonQueryAsync(ct);
        }
        Invalidate(companyKey);
        return updated;
    }

    /// <summary>Upserts rates in force from <paramref name="date"/>; false when the company does not exist.</summary>
    public async Task<bool> SetFxRatesAsync(string companyKey, DateOnly date, IReadOnlyDictionary<string, decimal> rates, CancellationToken ct)
    {
        if (await FindByKeyAsync(companyKey, ct, bypassCache: true) is null) return false;
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO app.fx_rates (company_key, currency, effective_date, rate)
            SELECT $1, currency, $2, rate FROM unnest($3::text[], $4::numeric[]) AS r(currency, rate)
            ON CONFLICT (company_key, currency, effective_date) DO UPDATE SET rate = excluded.rate
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(date);
        cmd.Parameters.AddWithValue(rates.Keys.ToArray());
        cmd.Parameters.AddWithValue(rates.Values.ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    /// <summary>Drops a cached company (on a change here or announced by another instance).</summary>
    public void Invalidate(string companyKey) => _byKey.TryRemove(companyKey, out _);

    public async Task<Company?> FindByKeyAsync(string companyKey, CancellationToken ct, bool bypassCache = false)
    {
        if (!bypassCache && _byKey.TryGetValue(companyKey, out var cached) && cached.Until > time.GetUtcNow())
            return cached.Company;

        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM app.companies WHERE company_key = $1");
        cmd.Parameters.AddWithValue(companyKey);
        var company = await ReadOne(cmd, ct);
        // Only hits are cached: keys a caller makes up must not grow this dictionary without bound.
        if (company is not null) _byKey[companyKey] = (company, time.GetUtcNow() + CacheFor);
        return company;
    }

    /// <summary>How many companies are cached (for tests).</summary>
    internal int CachedCount => _byKey.Count;

    /// <summary>
    /// Finds the company owning an API secret. The lookup is by SHA-256 of the secret, so the
    /// comparison never runs over the secret itself (no timing signal about its characters).
    /// </summary>
    public async Task<Company?> FindBySecretAsync(string apiSecret, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM app.companies WHERE api_secret_hash = $1");
        cmd.Parameters.AddWithValue(HashSecret(apiSecret));
        return await ReadOne(cmd, ct);
    }

    public async Task<Company?> FindByNameAsync(string name, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM app.companies WHERE name = $1 ORDER BY created_at LIMIT 1");
        cmd.Parameters.AddWithValue(name);
        return await ReadOne(cmd, ct);
    }

    private static void AddSettings(NpgsqlCommand cmd, Company c)
    {
        cmd.Parameters.AddWithValue(c.CompanyKey);
        cmd.Parameters.AddWithValue(c.Name);
        cmd.Parameters.AddWithValue(c.ReportingCurrency);
        cmd.Parameters.AddWithValue(c.TimeZone);
        cmd.Parameters.AddWithValue(c.AttributionWindowHours);
        cmd.Parameters.AddWithValue(c.AllowedOrigins.ToArray());
        cmd.Parameters.AddWithValue(c.QuantityMode.ToString());
        cmd.Parameters.AddWithValue((object?)c.ShopifyWebhookSecret ?? DBNull.Value);
    }

    private static async Task<Company?> ReadOne(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Company
        {
            CompanyKey = reader.GetString(0),
            Name = reader.GetString(1),
            ReportingCurrency = reader.GetString(2),
            TimeZone = reader.GetString(3),
            AttributionWindowHours = reader.GetInt32(4),
            AllowedOrigins = reader.GetFieldValue<string[]>(5),
            QuantityMode = Enum.Parse<QuantityMode>(reader.GetString(6)),
            ShopifyWebhookSecret = reader.IsDBNull(7) ? null : reader.GetString(7),
        };
    }

    private static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string RandomToken(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
