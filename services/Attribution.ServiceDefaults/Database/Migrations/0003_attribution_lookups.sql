-- Lookups the attribution reactor makes over stored event data: which visitor events carry an
-- FAQ fingerprint (to join FAQ exchanges to the visitor), and which checkouts share an orderId.
CREATE INDEX events_faq_fingerprint ON event_store.events (tenant_id, (data->>'userFaqFingerprint'))
    WHERE type IN ('cart_event_recorded.v1', 'checkout_recorded.v1');
CREATE INDEX events_order_id ON event_store.events (tenant_id, (data->>'orderId'))
    WHERE type = 'checkout_recorded.v1';
