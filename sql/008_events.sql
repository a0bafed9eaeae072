-- Content events: subscriptions to changes of sections, read from the history capture
-- (one capture, read twice: nothing more runs on the write path than one lookup of the
-- subscriptions and, when one covers the section, a notification at commit). Runs with
-- search_path set to the system schema.

-- A subscription: which sections and kinds of change, an optional filter (the query
-- language), a webhook target (NULL: pull delivery) and how far it has read the history
-- (cursor: the last history id turned into its events).
CREATE TABLE IF NOT EXISTS content_subscriptions (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sections UUID[] NOT NULL,
    events TEXT[] NOT NULL,
    filter JSONB,
    target_url TEXT,
    target_secret TEXT,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    max_attempts INTEGER NOT NULL DEFAULT 8,
    retry_base_seconds REAL NOT NULL DEFAULT 1,
    timeout_seconds REAL NOT NULL DEFAULT 10,
    cursor BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT valid_subscription_events CHECK (events <@ ARRAY['create', 'update', 'delete']::text[])
);

-- The events of each subscription. state: pending (waiting, leased to a worker or a
-- poller, or waiting for its next attempt), delivered, or dead (gave up after
-- max_attempts). A pending event holds back the later events of its entry.
CREATE TABLE IF NOT EXISTS content_events (
    subscription_id UUID NOT NULL,  -- no foreign key: delete_subscription removes its events itself
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    id UUID NOT NULL,
    section_id UUID NOT NULL,
    entry_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    payload JSONB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until TIMESTAMPTZ,
    leased_by TEXT,
    last_error TEXT,
    delivered_at TIMESTAMPTZ,
    CONSTRAINT content_events_pkey PRIMARY KEY (subscription_id, seq),
    CONSTRAINT valid_event_state CHECK (state IN ('pending', 'delivered', 'dead')),
    CONSTRAINT valid_event_type CHECK (type IN ('create', 'update', 'delete'))
);
CREATE UNIQUE INDEX IF NOT EXISTS idx_content_events_id ON content_events (subscription_id, id);
-- What a claim reads: the pending events of a subscription in order, and per entry the earliest.
CREATE INDEX IF NOT EXISTS idx_content_events_due ON content_events (subscription_id, seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS idx_content_events_entry ON content_events (subscription_id, section_id, entry_id, seq)
    WHERE state = 'pending';
-- No index names the lease columns, and pages keep room: a claim (lease, attempt) then
-- rewrites an event in place (a HOT update) instead of adding an entry to every index.
-- Leases that ran out are found by the claim's own walk (events/queue.py).
DROP INDEX IF EXISTS idx_content_events_lease;
ALTER TABLE content_events SET (fillfactor = 70);

-- How far the history may be read: history ids commit out of order (a transaction that
-- took id 5 may commit after one that took id 6), so events are made only up to
-- 'safe_bound', below which no change can still appear. 'pending_bound' becomes safe once
-- every transaction older than 'pending_xmax' has ended: all its ids were handed out
-- before that transaction id existed.
CREATE TABLE IF NOT EXISTS content_event_feed (
    id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    safe_bound BIGINT NOT NULL DEFAULT 0,
    pending_bound BIGINT NOT NULL DEFAULT 0,
    pending_xmax BIGINT NOT NULL DEFAULT 0
);
INSERT INTO content_event_feed (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

-- Events a receiver (ContentEventReceive) has taken, by id, so a second delivery of one
-- is recognised. Kept only as long as the signature's timestamp tolerance: an older
-- delivery is refused for its timestamp anyway.
CREATE TABLE IF NOT EXISTS content_event_receipts (
    event_id UUID PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Reading the history in id order: a BRIN index costs the writers next to nothing (ids
-- grow with the table) and finds the newest ranges quickly.
CREATE INDEX IF NOT EXISTS idx_content_history_id_brin ON content_history USING brin (id) WITH (autosummarize = on);

-- The history capture (the tables are in 007_history.sql). The statement-level capture: one INSERT ... SELECT from the transition table per
-- statement (plpgsql plans a trigger function per table, so the columns a section table
-- always has, id and updated_at, are named directly). TG_ARGV: the section id and the column map. The context is the
-- transaction-local setting polysynergy.context (JSON, set by the engine in the writing
-- transaction, so it holds behind a transaction pooler); without it the source is 'sql'.
-- A write without context while polysynergy.restoring is on (a migration's backfill, or
-- a rollback restoring archived values) is not an edit and is not recorded.
CREATE OR REPLACE FUNCTION content_history_capture() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    _raw text := current_setting('polysynergy.context', true);
    _claims text;
    _ctx jsonb;
    _run text;
    _section uuid := TG_ARGV[0]::uuid;
    _map uuid := TG_ARGV[1]::uuid;
BEGIN
    IF _raw IS NULL OR _raw = '' THEN
        IF current_setting('polysynergy.restoring', true) = 'on' THEN
            RETURN NULL;
        END IF;
        _ctx := '{"source": "sql"}';
        _claims := current_setting('request.jwt.claims', true);
        IF _claims IS NOT NULL AND _claims <> '' THEN
            _ctx := jsonb_build_object('source', 'sql', 'api_role', current_setting('role', true),
                                      'actor', _claims::jsonb ->> 'sub');
        END IF;
    ELSE
        _ctx := _raw::jsonb;
        _run := _ctx ->> 'run_id';
        _ctx := _ctx - 'run_id';
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO content_history (section_id, entry_id, op, run_id, context, map_id, data)
        SELECT _section, _r.id::text, 'insert', _run, _ctx, _map,
               to_jsonb(_r) - '{id,created_at,updated_at}'::text[]
        FROM new_rows _r;
    ELSIF TG_OP = 'UPDATE' THEN
        -- One statement: the baselines first (they get the lower version numbers), then the updates.
        INSERT INTO content_history (section_id, entry_id, op, run_id, context, map_id, data)
        SELECT _section, _r.id::text, 'baseline', _run, _ctx, _map,
               to_jsonb(_r) - '{id,created_at,updated_at}'::text[]
        FROM old_rows _r
        WHERE _r.updated_at < (SELECT s.history_since FROM sections s WHERE s.id = _section)
        UNION ALL
        SELECT _section, _r.id::text, 'update', _run, _ctx, _map,
               to_jsonb(_r) - '{id,created_at,updated_at}'::text[]
        FROM new_rows _r;
    ELSE
        INSERT INTO content_history (section_id, entry_id, op, run_id, context, map_id, data)
        SELECT _section, _r.id::text, 'delete', _run, _ctx, _map,
               to_jsonb(_r) - '{id,created_at,updated_at}'::text[]
        FROM old_rows _r;
    END IF;
    -- Wake the content events worker (sql/008_events.sql) when a subscription that is
    -- not paused covers this section: one notification per transaction, sent at commit.
    IF EXISTS (SELECT 1 FROM content_subscriptions _s WHERE _section = ANY (_s.sections) AND NOT _s.paused) THEN
        PERFORM pg_notify('polysynergy_content_events', '');
    END IF;
    RETURN NULL;
END;
$$;

-- The links of a multiple relation (a junction table), attributed to the source entry:
-- op 'links', data {"field": field id, "targets": [target ids in link order]} as they are
-- after the statement. TG_ARGV: the section id and the relation field's id. Only inserts
-- and deletes (the engine never updates a link; a source entry's delete cascades here).
CREATE OR REPLACE FUNCTION content_history_capture_links() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    raw text := current_setting('polysynergy.context', true);
    ctx jsonb;
    run text;
BEGIN
    IF raw IS NULL OR raw = '' THEN
        IF current_setting('polysynergy.restoring', true) = 'on' THEN
            RETURN NULL;
        END IF;
        ctx := '{"source": "sql"}';
    ELSE
        ctx := raw::jsonb;
        run := ctx ->> 'run_id';
        ctx := ctx - 'run_id';
    END IF;
    EXECUTE format(
        'INSERT INTO content_history (section_id, entry_id, op, run_id, context, data) '
        'SELECT $1, s.source_id::text, ''links'', $2, $3, jsonb_build_object(''field'', $4, ''targets'', '
        'coalesce((SELECT jsonb_agg(j.target_id ORDER BY j.sort_order, j.target_id) FROM %I.%I j '
        'WHERE j.source_id = s.source_id), ''[]''::jsonb)) '
        'FROM (SELECT DISTINCT source_id FROM %I) s',
        TG_TABLE_SCHEMA, TG_TABLE_NAME, CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END)
    USING TG_ARGV[0]::uuid, run, ctx, TG_ARGV[1];
    IF EXISTS (SELECT 1 FROM content_subscriptions s WHERE TG_ARGV[0]::uuid = ANY (s.sections) AND NOT s.paused) THEN
        PERFORM pg_notify('polysynergy_content_events', '');
    END IF;
    RETURN NULL;
END;
$$;

-- They run as their owner (the API roles writing a section's table hold no privilege on
-- the history table), so their names resolve only where the owner put them.
DO $$
BEGIN
    EXECUTE pg_catalog.format('ALTER FUNCTION content_history_capture() SET search_path = pg_catalog, %I, pg_temp',
                              current_schema());
    EXECUTE pg_catalog.format(
        'ALTER FUNCTION content_history_capture_links() SET search_path = pg_catalog, %I, pg_temp', current_schema());
END;
$$;
REVOKE ALL ON FUNCTION content_history_capture() FROM PUBLIC;
REVOKE ALL ON FUNCTION content_history_capture_links() FROM PUBLIC;

-- Private like every system table.
DO $$
DECLARE
    events_table text;
    api_role name;
BEGIN
    FOREACH events_table IN ARRAY ARRAY['content_subscriptions', 'content_events', 'content_event_feed', 'content_event_receipts'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', events_table);
        EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %I FROM PUBLIC', events_table);
        FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %I FROM %I', events_table, api_role);
        END LOOP;
    END LOOP;
    FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION content_history_capture() FROM %I', api_role);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION content_history_capture_links() FROM %I', api_role);
    END LOOP;
END;
$$;
