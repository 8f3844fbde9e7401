namespace Attribution.ServiceDefaults.ReadModels;

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
}
