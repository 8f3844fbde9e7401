
namespace Attribution.ServiceDefaults.ReadModels;

/// <summary>Names of projected documents that the engine writes and the gateway reads.</summary>
public static class DocumentTypes
{
    /// <summary>Per company and visitor: the cart as their cart events describe it.</summary>
    public const string VisitorCart = "visitor_cart";

    /// <summary>Per company and source event: the latest attribution decision (id <c>{companyKey}:{eventId}</c>).</summary>
    public const string AttributionDecision = "attribution_decision";

    /// <summary>Per company and refund event: how much of it subtracts, and from which credit (id <c>{companyKey}:{eventId}</c>).</summary>
    public const string RefundDecision = "refund_decision";
}
