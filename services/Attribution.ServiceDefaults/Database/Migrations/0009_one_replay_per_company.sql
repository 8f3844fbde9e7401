-- One replay per company at a time (contract §7): a request while one is active answers with the
-- active one. The database holds the slot, so it holds across gateway instances, concurrent
-- requests and the engine's command-line verb: a replay is active while 'requested' (published,
-- waiting for an engine) or 'running', and a partial unique index allows one such row per company.
-- Completing or failing releases the slot.

-- When an engine last said it is working on the replay (at the request, until an engine takes it).
-- An engine beats every 30 seconds while it runs one (ReplaySlot.HeartbeatEvery); the default keeps the
-- inserts of a build without the column working until its schema fence stops it.
ALTER TABLE app.replays ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now();

-- Before this, several replays of a company could be active at once: the latest request keeps the
-- slot. An engine that later receives one of the others finds it no longer active and skips it.
UPDATE app.replays r
SET status = 'failed', finished_at = now(), error = 'Superseded by a later replay of the company: one replay runs per company at a time.'
WHERE r.status IN ('requested', 'running')
  AND EXISTS (SELECT 1 FROM app.replays later
              WHERE later.company_key = r.company_key AND later.status IN ('requested', 'running')
                AND (later.requested_at, later.replay_id) > (r.requested_at, r.replay_id));

CREATE UNIQUE INDEX replays_one_active_per_company ON app.replays (company_key) WHERE status IN ('requested', 'running');

-- Takes the company's slot for a new replay (created = true), or answers the active replay holding
-- it (created = false). Gateway (POST /v1/replay) and the command line both ask here.
--
-- A holder nobody advances is released: an active row whose heartbeat is older than ten minutes is
-- marked failed and the request takes the slot. That happens when the replay has no message any
-- more (the gateway stopped between this insert and its publish, or an engine could not record the
-- end of a run). An engine that dies mid-run needs no bound: the broker gives its unacknowledged
-- message to the next engine, which takes the same row again. A request merely queued behind other
-- companies' replays for longer than the bound gives way to the new request, whose replay runs
-- under the newer settings anyway; the engine skips the old message when it comes.
CREATE FUNCTION app.request_replay(new_replay_id uuid, company text, initial_status text, requested timestamptz)
RETURNS TABLE (replay_id uuid, status text, requested_at timestamptz, created boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    LOOP
        UPDATE app.replays r
        SET status = 'failed', finished_at = now(),
            error = 'Abandoned: no engine advanced it for ten minutes; a later request took its place.'
        WHERE r.company_key = company AND r.status IN ('requested', 'running') AND r.heartbeat_at < now() - interval '10 minutes';

        -- A concurrent insert of the same company waits here until that transaction ends.
        RETURN QUERY
            INSERT INTO app.replays AS r (replay_id, company_key, status, requested_at, heartbeat_at)
            VALUES (new_replay_id, company, initial_status, requested, now())
            ON CONFLICT (company_key) WHERE status IN ('requested', 'running') DO NOTHING
            RETURNING r.replay_id, r.status, r.requested_at, true;
        IF FOUND THEN RETURN; END IF;

        -- Each statement sees what committed before it started, so the holder that made the insert
        -- do nothing is visible here, unless it finished in between: then take the slot again.
        RETURN QUERY
            SELECT r.replay_id, r.status, r.requested_at, false FROM app.replays r
            WHERE r.company_key = company AND r.status IN ('requested', 'running');
        IF FOUND THEN RETURN; END IF;
    END LOOP;
END
$$;
