-- Statistics on the event-data fields the engine looks events up by. The indexes of 0003 are
-- partial, and PostgreSQL does not use a partial index's expression statistics for estimates, so
-- `data->>'orderId' = ANY(<a thousand ids>)` would be guessed to match most of the table and the
-- planner would walk the primary key instead of the index. These statistics give it the estimates.
CREATE STATISTICS event_store.events_order_id_stats ON ((data->>'orderId')) FROM event_store.events;
CREATE STATISTICS event_store.events_faq_fingerprint_stats ON ((data->>'userFaqFingerprint')) FROM event_store.events;
