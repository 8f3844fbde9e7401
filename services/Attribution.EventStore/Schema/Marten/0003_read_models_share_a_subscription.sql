-- The four read-model projections share one daemon subscription, read_models, which reads each page
-- once for all of them (ProjectionNames.SubscriptionOf). It starts where the furthest behind of
-- them had got to, or from the beginning when one of them had not started; each then skips what
-- its own checkpoint has passed.
INSERT INTO event_store.mt_event_progression (name, last_seq_id, last_updated)
SELECT 'read_models:All', CASE WHEN count(*) = 4 THEN min(last_seq_id) ELSE 0 END, now()
FROM event_store.mt_event_progression
WHERE name IN ('visitor_carts:All', 'revenue:All', 'data_quality:All', 'engagement:All')
HAVING count(*) > 0
ON CONFLICT (name) DO NOTHING;

DELETE FROM event_store.mt_event_progression
WHERE name IN ('visitor_carts:All', 'revenue:All', 'data_quality:All', 'engagement:All');
