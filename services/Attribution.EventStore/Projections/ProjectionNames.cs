namespace Attribution.EventStore.Projections;

/// <summary>
/// The engine's asynchronous projections (their checkpoints in event_store.projection_checkpoints).
/// Whoever must wait until the read models have caught up with the store (erasure, tests) waits
/// for all of these.
/// </summary>
public static class ProjectionNames
{
    public const string VisitorCarts = "visitor_carts";
    public const string AttributionDecisions = "attribution_decisions";
    public const string AttributionPublisher = "attribution_publisher";
    public const string Revenue = "revenue";
    public const string DataQuality = "data_quality";
    public const string Engagement = "engagement";

    public static readonly string[] Asynchronous = [VisitorCarts, AttributionDecisions, AttributionPublisher, Revenue, DataQuality, Engagement];
}
