-- Replay runs (POST /v1/replay): requested by the gateway, carried out and finished by the engine.
CREATE TABLE app.replays (
    replay_id     uuid        PRIMARY KEY,
    company_key   text        NOT NULL REFERENCES app.companies (company_key),
    status        text        NOT NULL CHECK (status IN ('requested', 'running', 'completed', 'failed')),
    requested_at  timestamptz NOT NULL,
    finished_at   timestamptz NULL,
    revisions     int         NULL,
    error         text        NULL
);
