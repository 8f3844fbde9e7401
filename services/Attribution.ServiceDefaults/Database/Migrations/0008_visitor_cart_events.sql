-- Visitor carts are now stored as the visitor's cart events in the order they happened, and folded
-- when read (a late event lands where it happened; quantityMode TOTAL is honoured). Carts of the
-- old shape are dropped and the projection starts again from the first event: the daemon rebuilds
-- them from the event store, as Marten does for a projection whose shape changed.
DELETE FROM event_store.documents WHERE type = 'visitor_cart';
UPDATE event_store.projection_checkpoints SET last_seq_id = 0, updated_at = now() WHERE name = 'visitor_carts';
