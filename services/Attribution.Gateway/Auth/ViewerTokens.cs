using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Attribution.Gateway.Auth;

/// <summary>
/// Read-only dashboard tokens (contract §2, §7; table <c>app.viewer_tokens</c>, migration 0011).
/// A token is shown once, stored as its SHA-256 hash, and looked up on every request, so a
/// revocation holds from the next request on. Tokens start with <see cref="Prefix"/>, which no API
/// secret does, so other callers never pay for a lookup.
/// </summary>
public sealed class ViewerTokens(NpgsqlDataSource db, TimeProvider time)
{
    public const string Prefix = "vt_";

    public sealed record Created(Guid Id, string Name, string ViewerToken, DateTimeOffset CreatedAt);

    public static bool LooksLikeOne(string bearer) => bearer.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>A new token for the company; null when the company does not exist.</summary>
    public async Task<Created?> CreateAsync(string companyKey, string name, CancellationToken ct)
    {
        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var id = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        await using var cmd = db.CreateCommand("""
            INSERT INTO app.viewer_tokens (id, company_key, name, token_hash, created_at)
            SELECT $1, company_key, $3, $4, $5 FROM app.companies WHERE company_key = $2
            """);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(Hash(token));
        cmd.Parameters.AddWithValue(now);
        return await cmd.ExecuteNonQueryAsync(ct) == 1 ? new Created(id, name, token, now) : null;
    }

    /// <summary>Revokes one of the company's tokens; false when it has no such token (another company's is not its).</summary>
    public async Task<bool> RevokeAsync(string companyKey, Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE app.viewer_tokens SET revoked_at = coalesce(revoked_at, $3) WHERE company_key = $1 AND id = $2
            """);
        cmd.Parameters.AddWithValue(companyKey);
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(time.GetUtcNow());
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The company a live (not revoked) token reads, or null.</summary>
    public async Task<string?> CompanyOfAsync(string token, CancellationToken ct)
    {
        if (!LooksLikeOne(token)) return null;
        await using var cmd = db.CreateCommand("SELECT company_key FROM app.viewer_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(Hash(token));
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
