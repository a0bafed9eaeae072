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

-- The capture functions themselves are defined in 008_capture.sql (they also wake the
-- content events worker).

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
END;
$$;
