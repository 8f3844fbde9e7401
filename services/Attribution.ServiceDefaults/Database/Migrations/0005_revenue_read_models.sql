-- Revenue Impact read models (contract §6), written by the engine's revenue projector and read
-- by the gateway. Figures are kept per day in the company's time zone and per original currency:
-- conversion to the reporting currency happens at read time, at the rate in force on each day,
-- so a new rate never needs a rebuild. Every row carries the rule version of the decisions in it.
CREATE SCHEMA IF NOT EXISTS revenue;

-- What each decision last contributed: a revision subtracts it before adding its own.
CREATE TABLE revenue.applied_contributions (
    company_key      text  NOT NULL,
    source_event_id  uuid  NOT NULL,
    contribution     jsonb NOT NULL,
    PRIMARY KEY (company_key, source_event_id)
);

-- Company summary by day (also the daily cart GMV).
CREATE TABLE revenue.company_days (
    company_key             text    NOT NULL,
    day                     date    NOT NULL,
    currency                char(3) NOT NULL,
    rule_version            text    NOT NULL,
    cart_gmv                numeric NOT NULL DEFAULT 0,
    net_cart_value          numeric NOT NULL DEFAULT 0,
    checkout_revenue        numeric NOT NULL DEFAULT 0,
    attributed_orders       integer NOT NULL DEFAULT 0,
    total_checkout_revenue  numeric NOT NULL DEFAULT 0,
    counted_orders          integer NOT NULL DEFAULT 0,
    orders_with_fingerprint integer NOT NULL DEFAULT 0,
    refunded                numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (company_key, day, currency, rule_version)
);

-- Products of attributed orders, by day.
CREATE TABLE revenue.product_days (
    company_key   text    NOT NULL,
    day           date    NOT NULL,
    currency      char(3) NOT NULL,
    rule_version  text    NOT NULL,
    product_id    text    NOT NULL,
    product_name  text    NOT NULL,
    quantity      integer NOT NULL DEFAULT 0,
    revenue       numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (company_key, day, currency, rule_version, product_id)
);

-- Attributed orders and revenue per A/B variant ('' = no variant), by day.
CREATE TABLE revenue.variant_days (
    company_key       text    NOT NULL,
    day               date    NOT NULL,
    currency          char(3) NOT NULL,
    rule_version      text    NOT NULL,
    variant           text    NOT NULL,
    attributed_orders integer NOT NULL DEFAULT 0,
    checkout_revenue  numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (company_key, day, currency, rule_version, variant)
);

-- Revenue credited to each conversation, by day.
CREATE TABLE revenue.conversation_days (
    company_key       text    NOT NULL,
    conversation_id   text    NOT NULL,
    day               date    NOT NULL,
    currency          char(3) NOT NULL,
    rule_version      text    NOT NULL,
    cart_gmv          numeric NOT NULL DEFAULT 0,
    net_cart_value    numeric NOT NULL DEFAULT 0,
    checkout_revenue  numeric NOT NULL DEFAULT 0,
    attributed_orders integer NOT NULL DEFAULT 0,
    refunded          numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (company_key, conversation_id, day, currency, rule_version)
);

-- The attributed orders of each conversation.
CREATE TABLE revenue.conversation_orders (
    company_key      text        NOT NULL,
    source_event_id  uuid        NOT NULL,
    conversation_id  text        NOT NULL,
    order_id         text,
    value            numeric     NOT NULL,
    currency         char(3)     NOT NULL,
    occurred_at      timestamptz NOT NULL,
    rule_version     text        NOT NULL,
    PRIMARY KEY (company_key, source_event_id)
);
CREATE INDEX conversation_orders_conversation ON revenue.conversation_orders (company_key, conversation_id);

-- Every conversation (CHAT/FAQ) with its A/B variant and start: the denominator of revenue per conversation.
CREATE TABLE revenue.conversations (
    company_key     text        NOT NULL,
    conversation_id text        NOT NULL,
    channel         text        NOT NULL,
    variant         text,
    started_at      timestamptz NOT NULL,
    PRIMARY KEY (company_key, conversation_id)
);
CREATE INDEX conversations_started ON revenue.conversations (company_key, started_at);

-- What the engine found wrong in accepted events (the gateway's rejections are in app.rejected_events).
CREATE TABLE revenue.data_quality_findings (
    company_key  text        NOT NULL,
    reason       text        NOT NULL,
    event_id     uuid        NOT NULL,
    kind         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    detail       text        NOT NULL,
    PRIMARY KEY (company_key, reason, event_id)
);
CREATE INDEX data_quality_findings_time ON revenue.data_quality_findings (company_key, occurred_at);

