-- Rejected ingestion events, for the data-quality report. Reasons and field errors only: no body, no personal data.
CREATE TABLE app.rejected_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_key  text        NOT NULL REFERENCES app.companies (company_key),
    kind         text        NOT NULL,
    reasons      text[]      NOT NULL,
    errors       jsonb       NOT NULL,
    received_at  timestamptz NOT NULL
);
CREATE INDEX rejected_events_company_time ON app.rejected_events (company_key, received_at);

-- Exchange rates: units of the reporting currency per unit of `currency`, in force from `effective_date`.
CREATE TABLE app.fx_rates (
    company_key    text    NOT NULL REFERENCES app.companies (company_key),
    currency       char(3) NOT NULL,
    effective_date date    NOT NULL,
    rate           numeric NOT NULL CHECK (rate > 0),
    PRIMARY KEY (company_key, currency, effective_date)
);
