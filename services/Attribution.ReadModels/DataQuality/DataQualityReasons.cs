namespace Attribution.ReadModels.DataQuality;

/// <summary>
/// The engine's data-quality findings (<c>revenue.data_quality_findings</c>): accepted events that look
/// wrong, as the seeds' "mistakes that quietly break revenue data". The gateway's rejections carry
/// their own reason codes (RejectionReasons); the data-quality read shows both.
/// </summary>
public static class DataQualityReasons
{
    public const string CheckoutWithoutOrderId = "checkout_without_order_id";
    public const string DuplicateOrder = "duplicate_order";
    public const string DecreaseBelowZero = "decrease_below_zero";

    /// <summary>An accepted message the engine could not store (it is in its queue's error queue).</summary>
    public const string NotStored = "not_stored";

    /// <summary>A browser copy of an order replaced by a verified copy of another value (contract §3).</summary>
    public const string BrowserOrderReplaced = "browser_order_replaced";
}
