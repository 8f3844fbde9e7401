using System.Globalization;

namespace Attribution.IntegrationTests.Infrastructure;

/// <summary>Timestamps as a client sends them (occurredAt: UTC, milliseconds, trailing Z).</summary>
public static class WireTime
{
    public static string Of(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
