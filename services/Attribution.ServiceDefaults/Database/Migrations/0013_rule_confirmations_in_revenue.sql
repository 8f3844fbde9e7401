-- A replay's rule confirmation reaches the revenue read models as one re-key of the company's rows
-- (RevenueProjection), not as a revision per unchanged decision. What each source contributed keeps
-- the rule version it was applied under; applied_seq says whether a later confirmation has moved it
-- on (applied before the confirmation: it now counts under the confirmed version).
ALTER TABLE revenue.applied_contributions ADD COLUMN applied_seq bigint NOT NULL DEFAULT 0;

-- The latest confirmation the revenue projection has applied, per company, and where it was applied.
CREATE TABLE revenue.rule_confirmations (
    company_key    text   PRIMARY KEY,
    rule_version   text   NOT NULL,
    applied_before bigint NOT NULL
);

-- The settings a company's read models were last rebuilt under (time zone, quantity mode): a replay
-- rebuilds them only when those changed (day buckets move, carts go below zero differently);
-- otherwise the replay's revisions and its confirmation reach them through the projections, as live
-- events do.
CREATE TABLE app.read_models_built (
    company_key text        PRIMARY KEY REFERENCES app.companies (company_key),
    settings    text        NOT NULL,
    built_at    timestamptz NOT NULL
);
