-- What the browser SDK refused on the client (contract §8: POST /v1/events/sdk-diagnostics), counted
-- by field and reason, for the data-quality report beside the gateway's own rejections. Counts only:
-- no event body, no personal data.
CREATE TABLE app.sdk_rejections (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_key  text        NOT NULL REFERENCES app.companies (company_key),
    field        text        NOT NULL,
    reason       text        NOT NULL,
    count        integer     NOT NULL CHECK (count > 0),
    received_at  timestamptz NOT NULL
);
CREATE INDEX sdk_rejections_company_time ON app.sdk_rejections (company_key, received_at);
