namespace Attribution.Gateway.Ingestion.Publishing;

/// <summary>How single events share broker messages (<c>Publishing__LingerMilliseconds</c>, <c>Publishing__MaxBatchEvents</c>).</summary>
public sealed class PublishingOptions
{
    public const string Section = "Publishing";

    /// <summary>How long a single event waits for others to share its broker message; 0 publishes each alone.</summary>
    public double LingerMilliseconds { get; set; } = 2;

    /// <summary>At most this many single events in one message; a full message goes at once.</summary>
    public int MaxBatchEvents { get; set; } = 100;
}
