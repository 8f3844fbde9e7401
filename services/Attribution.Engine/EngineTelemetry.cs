using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Attribution.Engine;

/// <summary>The engine's own span source and meter ("Attribution.*" is listened to by the telemetry defaults).</summary>
internal static class EngineTelemetry
{
    public const string Name = "Attribution.Engine";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);
}
