using Attribution.Domain.Companies;
using Attribution.Domain.Visitors;
using Attribution.EventStore;
using Attribution.EventStore.Databases;
using Npgsql;

namespace Attribution.ReadModels.VisitorCarts;

/// <summary>A visitor's cart, as GET /v1/visitors/{fingerprint}/cart answers it.</summary>
public sealed class VisitorCartQuery(CompanyDatabases databases)
{
    /// <summary>
    /// The cart of the visitor a fingerprint names, quantities read as <paramref name="mode"/> says;
    /// null before any of their cart events is projected. A fingerprint may be a chat or an FAQ one;
    /// the chat one wins when both exist.
    /// </summary>
    public async Task<VisitorCartView?> OfFingerprintAsync(string companyKey, string fingerprint, QuantityMode mode, CancellationToken ct)
    {
        var database = await databases.ForCompanyAsync(companyKey, ct);
        await using var cmd = database.DataSource.CreateCommand("""
            SELECT data FROM event_store.documents
            WHERE type = $1 AND id = ANY($2)
            ORDER BY array_position($2, id) LIMIT 1
            """);
        cmd.Parameters.AddWithValue(VisitorCart.DocumentType);
        cmd.Parameters.AddWithValue(VisitorKey.Candidates(fingerprint).Select(k => VisitorKey.DocumentId(companyKey, k)).ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return VisitorCartFold.View(StoredJson.Read<VisitorCart>(reader, 0), mode);
    }
}
