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

    /// <summary>
    /// The daemon subscription of the read models: they fold the same visitor events and decisions,
    /// so Marten reads each page once for the four of them instead of once for each. The reactor
    /// and the publisher keep their own: they append and publish, and a read model's slow page
    /// must not hold back a decision or its message.
    /// </summary>
    public const string ReadModels = "read_models";

    /// <summary>The daemon subscription that reads a projection's pages (Marten's progression row is the subscription's).</summary>
    public static string SubscriptionOf(string projection) =>
        projection is VisitorCarts or Revenue or DataQuality or Engagement ? ReadModels : projection;
}
