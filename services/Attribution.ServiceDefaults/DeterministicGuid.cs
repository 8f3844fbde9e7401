namespace Attribution.ServiceDefaults;

/// <summary>
/// Name-based (UUID v5-style) ids: the same name always gets the same id, so appends and messages
/// dedupe (a decision revision, a Shopify order delivered twice).
/// </summary>
public static class DeterministicGuid
{
    public static Guid From(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x50); // version 5 layout (big-endian field order below)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes, bigEndian: true);
    }
}
