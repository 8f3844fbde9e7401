-- An event id is the idempotency key within its tenant (company): the same id from another
-- tenant is another event and never suppresses this one.
ALTER TABLE event_store.events DROP CONSTRAINT events_id_key;
ALTER TABLE event_store.events ADD CONSTRAINT events_tenant_id_id_unique UNIQUE (tenant_id, id);
