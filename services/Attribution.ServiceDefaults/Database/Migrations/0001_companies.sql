-- Tenants (contract §1, §7). Secrets are stored as SHA-256 hashes, never in clear.
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE app.companies (
    company_key              text        PRIMARY KEY,
    name                     text        NOT NULL,
    api_secret_hash          bytea       NOT NULL UNIQUE,
    reporting_currency       char(3)     NOT NULL,
    time_zone                text        NOT NULL DEFAULT 'UTC',
    attribution_window_hours int         NOT NULL DEFAULT 24 CHECK (attribution_window_hours BETWEEN 1 AND 720),
    allowed_origins          text[]      NOT NULL DEFAULT '{}',
    quantity_mode            text        NOT NULL DEFAULT 'CHANGE' CHECK (quantity_mode IN ('CHANGE', 'TOTAL')),
    shopify_webhook_secret   text        NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
