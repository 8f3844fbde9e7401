-- What the sample subscriber received: one row per attributionId, however often it arrives.
CREATE SCHEMA IF NOT EXISTS sample_subscriber;

CREATE TABLE sample_subscriber.received_messages (
    attribution_id  uuid        PRIMARY KEY,
    message_type    text        NOT NULL,
    company_key     text        NOT NULL,
    source_event_id uuid        NOT NULL,
    payload         jsonb       NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    deliveries      int         NOT NULL DEFAULT 1
);
