-- The copy of a dropped field's column into its archive table, made while writers go on.
-- A trigger keeps the archive up to date for every write from before the copy starts
-- until the drop commits; this copy fills in the rows no write touched. Runs with
-- search_path set to the system schema.

-- Copies (id, the column) of every row of source into archive, in id order, one short
-- transaction per batch, reporting progress as content_backfill does. A row the trigger
-- already archived (or marked deleted: gone) keeps what the trigger wrote, which is newer:
-- ON CONFLICT DO NOTHING. No row of source is locked, so writers never wait for the copy.
-- Runs again from the start when called again, so an interrupted apply can resume. CALL
-- it outside a transaction block; every name is schema-qualified (a procedure that
-- commits has no SET clause).
CREATE OR REPLACE PROCEDURE content_archive_copy(
    source regclass, archive regclass, source_column name, batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
    after uuid := '00000000-0000-0000-0000-000000000000';
    last_id uuid;
    done bigint;
    total bigint := 0;
BEGIN
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'content_archive_copy: batch_size must be at least 1, not %', batch_size;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = source AND a.attname = source_column AND NOT a.attisdropped) THEN
        RAISE EXCEPTION 'content_archive_copy: table % has no column %', source, source_column;
    END IF;
    LOOP
        EXECUTE pg_catalog.format(
            'WITH batch AS (SELECT id, %I AS value FROM %s WHERE id > $1 ORDER BY id LIMIT %s), '
            || 'done AS (INSERT INTO %s (id, %I) SELECT id, value FROM batch ON CONFLICT (id) DO NOTHING '
            || 'RETURNING id) '
            || 'SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM done)',
            source_column, source, batch_size, archive, source_column)
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
REVOKE ALL ON PROCEDURE content_archive_copy(regclass, regclass, name, integer) FROM PUBLIC;
DO $$
DECLARE
    api_role name;
BEGIN
    FOR api_role IN SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('anon', 'authenticated') LOOP
        EXECUTE pg_catalog.format(
            'REVOKE ALL ON PROCEDURE content_archive_copy(regclass, regclass, name, integer) FROM %I', api_role);
    END LOOP;
END;
$$;
