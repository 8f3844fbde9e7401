namespace Attribution.Engine.Broker;

/// <summary>
/// This engine process as the broker sees it: the name its bus gives its connection, unique per
/// instance so that the broker's connection list tells one engine from another.
/// </summary>
public sealed record EngineInstance(string ConnectionName)
{
    public static EngineInstance New() =>
        new($"Attribution.Engine {Environment.MachineName} pid {Environment.ProcessId} {Guid.NewGuid().ToString("N")[..8]}");
}
