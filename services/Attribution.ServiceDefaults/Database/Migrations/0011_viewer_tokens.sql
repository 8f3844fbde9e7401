-- Read-only dashboard viewer tokens (contract §2, §7), made and revoked by the operator. Stored as
-- SHA-256 hashes, never in clear; a revoked token stays listed with the time it was revoked.
CREATE TABLE app.viewer_tokens (
    id           uuid        PRIMARY KEY,
    company_key  text        NOT NULL REFERENCES app.companies (company_key),
    name         text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz NULL
);
CREATE INDEX viewer_tokens_company ON app.viewer_tokens (company_key);
