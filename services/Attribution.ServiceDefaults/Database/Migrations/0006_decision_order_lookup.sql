-- The counted checkout decision of each order (DecisionReader.CountedOrdersAsync, asked for every
-- batch of checkouts and refunds). Without it each lookup read every decision document of the
-- company, so deciding slowed as a company's history grew (a replay of 1M events most of all).
CREATE INDEX documents_counted_checkout_order ON event_store.documents ((data->>'companyKey'), (data->>'orderId'))
    WHERE type = 'attribution_decision' AND data->>'kind' = 'CHECKOUT' AND (data->>'counted')::boolean;
