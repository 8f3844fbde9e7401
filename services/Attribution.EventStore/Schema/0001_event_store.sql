-- Marten-shaped event store: streams with versions, one global sequence, idempotent event ids.
CREATE SCHEMA IF NOT EXISTS event_store;

CREATE TABLE event_store.streams (
    id          text        PRIMARY KEY,
    tenant_id   text        NOT NULL,
    version     bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- seq_id is the global sequence. Appends hold a transaction-scoped advisory lock, so sequence
-- numbers become visible in commit order and an asynchronous reader never skips a late commit.
CREATE TABLE event_store.events (
    seq_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          uuid        NOT NULL UNIQUE,
    stream_id   text        NOT NULL REFERENCES event_store.streams (id),
    version     bigint      NOT NULL,
    tenant_id   text        NOT NULL,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    timestamp   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version)
);

CREATE INDEX events_tenant_seq ON event_store.events (tenant_id, seq_id);

-- Where each asynchronous projection has got to (Marten: mt_event_progression).
CREATE TABLE event_store.projection_checkpoints (
    name        text        PRIMARY KEY,
    last_seq_id bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Projected documents (Marten: mt_doc_*), one table for all document types.
CREATE TABLE event_store.documents (
    type        text        NOT NULL,
    id          text        NOT NULL,
    data        jsonb       NOT NULL,
    last_seq_id bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (type, id)
);
