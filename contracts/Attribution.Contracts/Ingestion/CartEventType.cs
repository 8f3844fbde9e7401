namespace Attribution.Contracts.Ingestion;

/// <summary>The four cart event types of the contract. Names are the wire values (case-sensitive).</summary>
public enum CartEventType
{
    ITEM_ADDED,
    QUANTITY_INCREASED,
    QUANTITY_DECREASED,
    ITEM_REMOVED,
}
