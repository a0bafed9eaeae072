-- Entry history: every insert, update and delete of a section's table, recorded by the
-- database in the writing transaction (so SQL and PostgREST writes count too). Runs with
-- search_path set to the system schema.

-- Per section: capture on or off (a migration creates or drops the triggers), when the
-- capture last started, and how much history to keep (NULL: the engine's default).
ALTER TABLE sections ADD COLUMN IF NOT EXISTS history BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE sections ADD COLUMN IF NOT EXISTS history_since TIMESTAMPTZ;
ALTER TABLE sections ADD COLUMN IF NOT EXISTS history_keep_versions INTEGER;
ALTER TABLE sections ADD COLUMN IF NOT EXISTS history_keep_days INTEGER;

-- Which field each column held when a version was written: the values of a version are
-- stored under their column names with the map in force, so a renamed or dropped field
-- stays readable (resolved by field id when history is read). The id is a hash of the
-- map, so a migration names it without asking the database.
CREATE TABLE IF NOT EXISTS content_history_maps (
    id UUID PRIMARY KEY,
    section_id UUID NOT NULL,
    columns JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per changed entry. op: insert / update / delete, or baseline (the values an
-- entry had before its first recorded update, when it was last written before capture
-- started). data: the values after the change (for a delete: before it), every column
-- but id and the timestamps (NULLs too: dropping them costs one more pass over each row).
-- context: who or what wrote (source, actor, node, MCP session, import or bulk id);
-- run_id: the change set a caller can undo.
CREATE TABLE IF NOT EXISTS content_history (
    -- The version number: ascending in the order of the changes. No index of its own (one
    -- index less to maintain per change): a version is always looked up with its entry,
    -- so the primary key is (section, entry, version), the index history is read by.
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    section_id UUID NOT NULL,
    entry_id TEXT NOT NULL,
    op TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    txid BIGINT NOT NULL DEFAULT txid_current(),
    run_id TEXT,
    context JSONB NOT NULL,
    map_id UUID,
    data JSONB NOT NULL,
    CONSTRAINT valid_history_op CHECK (op IN ('insert', 'update', 'delete', 'baseline', 'links')),
    CONSTRAINT content_history_pkey PRIMARY KEY (section_id, entry_id, id)
);
CREATE INDEX IF NOT EXISTS idx_content_history_run ON content_history (run_id) WHERE run_id IS NOT NULL;

-- The statement-level capture: one INSERT ... SELECT from the transition table per
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

-- Private like every system table: row level security without a policy, and no
-- privilege for the API roles, whatever the default privileges of the schema grant.
DO $$
DECLARE
    history_table text;
    api_role name;
BEGIN
    FOREACH history_table IN ARRAY ARRAY['content_history', 'content_history_maps'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', history_table);
        EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %I FROM PUBLIC', history_table);
        FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
            EXECUTE pg_catalog.format('REVOKE ALL ON TABLE %I FROM %I', history_table, api_role);
        END LOOP;
    END LOOP;
    FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION content_history_capture() FROM %I', api_role);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION content_history_capture_links() FROM %I', api_role);
    END LOOP;
END;
$$;
