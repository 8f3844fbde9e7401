-- Engagement read models (contract §6: the conversation list and transcript, assisted vs
-- unassisted lift), written by the engine's engagement projection and read by the gateway.
-- Visitor keys and message text are personal data: erasure rewrites them here as it does in the
-- event store (a pseudonym for the key, the masked text).

-- Every interaction, as the transcript shows it and the lift's qualification reads it.
-- real_message: a shopper message that is not only greetings or pleasantries (contract §4),
-- kept apart from the text so erasing the text changes no qualification.
CREATE TABLE revenue.interactions (
    company_key      text        NOT NULL,
    event_id         uuid        NOT NULL,
    visitor_key      text        NOT NULL,
    channel          text        NOT NULL,
    kind             text        NOT NULL,
    conversation_id  text,
    nudge_id         text,
    text             text,
    real_message     boolean     NOT NULL DEFAULT false,
    helpful          boolean,
    variant          text,
    occurred_at      timestamptz NOT NULL,
    PRIMARY KEY (company_key, event_id)
);
CREATE INDEX interactions_conversation ON revenue.interactions (company_key, conversation_id, occurred_at);
CREATE INDEX interactions_visitor ON revenue.interactions (company_key, visitor_key);

-- The company days each visitor was seen on (any cart, checkout or interaction event).
CREATE TABLE revenue.visitor_days (
    company_key  text NOT NULL,
    visitor_key  text NOT NULL,
    day          date NOT NULL,
    PRIMARY KEY (company_key, day, visitor_key)
);
CREATE INDEX visitor_days_visitor ON revenue.visitor_days (company_key, visitor_key);

-- Each checkout of a visitor and whether its decision counts it (each orderId once, no test orders).
CREATE TABLE revenue.visitor_orders (
    company_key      text    NOT NULL,
    source_event_id  uuid    NOT NULL,
    visitor_key      text,
    day              date,
    value            numeric,
    currency         char(3),
    counted          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (company_key, source_event_id)
);
CREATE INDEX visitor_orders_day ON revenue.visitor_orders (company_key, day);
CREATE INDEX visitor_orders_visitor ON revenue.visitor_orders (company_key, visitor_key);

-- An FAQ key joined to a chat visitor by a cart or checkout that carried both fingerprints:
-- the same shopper, as the attribution reactor joins them.
CREATE TABLE revenue.visitor_aliases (
    company_key  text NOT NULL,
    alias_key    text NOT NULL,
    visitor_key  text NOT NULL,
    PRIMARY KEY (company_key, alias_key)
);
