-- Migrations you can trust: the seal of each reviewed migration, its recorded progress,
-- and the batched backfill an online type change calls, so its script runs with psql
-- exactly as it is shown. Runs with search_path set to the system schema.

-- The checksum fixed at plan time over everything apply or rollback will execute
-- (checked by both before they run anything), and the progress of a running apply.
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS checksum TEXT;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS progress JSONB NOT NULL DEFAULT '{}';

-- 'applying' / 'rolling_back': started and not finished (running, or interrupted and
-- waiting for resume or abort).
ALTER TABLE section_migrations DROP CONSTRAINT IF EXISTS valid_status;
ALTER TABLE section_migrations ADD CONSTRAINT valid_status
    CHECK (status IN ('generated', 'applying', 'applied', 'failed', 'rolling_back', 'rolled_back', 'superseded'));

DROP INDEX IF EXISTS section_migrations_one_pending;
CREATE UNIQUE INDEX section_migrations_one_pending
    ON section_migrations (section_id) WHERE status IN ('generated', 'failed', 'applying');

-- The key of the migration seal. Nobody but the owner reads it: no API role, whatever
-- the default privileges of the schema grant.
CREATE TABLE IF NOT EXISTS content_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
ALTER TABLE content_secrets ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON content_secrets FROM PUBLIC;
DO $$
DECLARE
    api_role name;
BEGIN
    FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON content_secrets FROM %I', api_role);
    END LOOP;
END;
$$;
INSERT INTO content_secrets (name, value)
VALUES ('migration_signing_key',
        pg_catalog.replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))
ON CONFLICT (name) DO NOTHING;

-- The backfill of an online type change: sets new_column to expression for every row,
-- in id order, one short transaction per batch (writers wait at most for one batch),
-- reporting its progress as a NOTICE after each batch. Runs again from the start when
-- called again (every batch only recomputes values), so an interrupted apply can resume.
-- CALL it outside a transaction block. A procedure that commits cannot carry a SET
-- search_path clause, so every name in it is schema-qualified instead.
CREATE OR REPLACE PROCEDURE content_backfill(
    target regclass, new_column name, expression text, batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
    after uuid := '00000000-0000-0000-0000-000000000000';
    last_id uuid;
    done bigint;
    total bigint := 0;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'content_backfill: batch_size must be at least 1, not %', batch_size;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = target AND a.attname = new_column AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'content_backfill: table % has no column %', target, new_column;
    END IF;
    LOOP
        -- A backfill is not an edit: the updated_at trigger leaves the rows' times alone.
        PERFORM pg_catalog.set_config('polysynergy.restoring', 'on', true);
        EXECUTE pg_catalog.format(
            'WITH batch AS (SELECT id FROM %s WHERE id > $1 ORDER BY id LIMIT %s), '
            || 'done AS (UPDATE %s AS x SET %I = (%s) FROM batch WHERE x.id = batch.id RETURNING x.id) '
            || 'SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM done)',
            target, batch_size, target, new_column, expression)
        INTO last_id, done USING after;
        EXIT WHEN last_id IS NULL;
        total := total + done;
        after := last_id;
        COMMIT;
        RAISE NOTICE 'polysynergy-backfill rows=% last_id=%', total, after;
    END LOOP;
END;
$$;
-- Only the engine's role runs it, whatever the default privileges grant on functions.
REVOKE ALL ON PROCEDURE content_backfill(regclass, name, text, integer) FROM PUBLIC;
DO $$
DECLARE
    api_role name;
BEGIN
    FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON PROCEDURE content_backfill(regclass, name, text, integer) FROM %I',
                                  api_role);
    END LOOP;
END;
$$;
