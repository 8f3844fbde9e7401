-- The hand-written store's events move into Marten's tables with their sequence numbers, so every
-- projection's checkpoint still points at the same event, and Marten's daemon starts each
-- projection where the old daemon had got to. The old tables then go (a new installation has
-- just created them empty).
INSERT INTO event_store.mt_streams (tenant_id, id, type, version, timestamp, created, is_archived)
SELECT tenant_id, id, NULL, version, updated_at, created_at, false FROM event_store.streams;

INSERT INTO event_store.mt_events
    (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, correlation_id, causation_id, headers, is_archived)
SELECT seq_id, id, stream_id, version, data, type, timestamp, tenant_id, NULL,
       metadata->>'correlationId', metadata->>'causationId',
       CASE WHEN metadata->>'traceParent' IS NULL THEN NULL ELSE jsonb_build_object('traceparent', metadata->>'traceParent') END,
       false
FROM event_store.events ORDER BY seq_id;

SELECT setval('event_store.mt_events_sequence', (SELECT coalesce(max(seq_id), 0) + 1 FROM event_store.mt_events), false);

INSERT INTO event_store.mt_event_progression (name, last_seq_id)
SELECT name || ':All', last_seq_id FROM event_store.projection_checkpoints
ON CONFLICT (name) DO UPDATE SET last_seq_id = excluded.last_seq_id;

DROP TABLE event_store.events;
DROP TABLE event_store.streams;

-- The engine's look-ups, which Marten's own indexes (sequence; tenant, stream and version) do not
-- serve. MartenConfiguration tells Marten to leave them alone.
-- An event id is the idempotency key within its tenant (company).
CREATE UNIQUE INDEX mt_events_tenant_event_id ON event_store.mt_events (tenant_id, id);
-- Several visitors' streams at once, in global order (the reactor and the projections).
CREATE INDEX mt_events_stream_seq ON event_store.mt_events (stream_id, seq_id);
-- One company's history, in global order (a replay's rebuild).
CREATE INDEX mt_events_tenant_seq ON event_store.mt_events (tenant_id, seq_id);
-- Which visitor events carry an FAQ fingerprint, and which checkouts share an orderId.
CREATE INDEX mt_events_faq_fingerprint ON event_store.mt_events (tenant_id, (data->>'userFaqFingerprint'))
    WHERE type IN ('cart_event_recorded.v1', 'checkout_recorded.v1');
CREATE INDEX mt_events_order_id ON event_store.mt_events (tenant_id, (data->>'orderId'))
    WHERE type = 'checkout_recorded.v1';
-- A partial index's expression has no statistics of its own: without these the planner guesses
-- that `data->>'orderId' = ANY(<a thousand ids>)` matches most of the table.
CREATE STATISTICS event_store.mt_events_order_id_stats ON ((data->>'orderId')) FROM event_store.mt_events;
CREATE STATISTICS event_store.mt_events_faq_fingerprint_stats ON ((data->>'userFaqFingerprint')) FROM event_store.mt_events;
