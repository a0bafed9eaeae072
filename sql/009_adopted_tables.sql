-- Adopted tables: a table made elsewhere (Supabase's dashboard, an application's own SQL
-- migrations) becomes a section where it is. table_schema names its schema; NULL means the
-- content schema, where every section made by the engine lives. Runs with search_path set
-- to the system schema.
ALTER TABLE sections ADD COLUMN IF NOT EXISTS table_schema TEXT;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'valid_table_schema'
                   AND conrelid = 'sections'::regclass) THEN
        ALTER TABLE sections ADD CONSTRAINT valid_table_schema
            CHECK (table_schema ~ '^[a-z][a-z0-9_]*$' AND octet_length(table_schema) <= 63);
    END IF;
END;
$$;

-- An adopted column keeps the type it was made with (an enum, smallint, varchar without a
-- length...) and its table's own constraints, though a new field of its type would make
-- another: the planner takes this type as the field's until the field's type or settings
-- change (then a type-change migration makes the field type's own column).
ALTER TABLE section_fields ADD COLUMN IF NOT EXISTS adopted_type TEXT;

-- The batched backfill of an online type change walks the table by its key, whatever the
-- key's type: uuid (the engine's sections), or an adopted table's bigint, integer or text.
-- The last key seen is carried as text and cast back to the key's type, so each batch
-- still uses the primary key's index.
CREATE OR REPLACE PROCEDURE content_backfill(
    target regclass, new_column name, expression text, batch_size integer DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
    key_type text;
    after text;
    last_id text;
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
    SELECT pg_catalog.format_type(a.atttypid, NULL) INTO key_type FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = target AND a.attname = 'id' AND NOT a.attisdropped;
    LOOP
        -- A backfill is not an edit: the updated_at trigger leaves the rows' times alone.
        PERFORM pg_catalog.set_config('polysynergy.restoring', 'on', true);
        EXECUTE pg_catalog.format(
            'WITH batch AS (SELECT id FROM %s WHERE $1 IS NULL OR id > $1::%s ORDER BY id LIMIT %s), '
            || 'done AS (UPDATE %s AS x SET %I = (%s) FROM batch WHERE x.id = batch.id RETURNING x.id) '
            || 'SELECT (SELECT id::text FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM done)',
            target, key_type, batch_size, target, new_column, expression)
        INTO last_id, done USING after;
        EXIT WHEN last_id IS NULL;
        total := total + done;
        after := last_id;
        COMMIT;
        RAISE NOTICE 'polysynergy-backfill rows=% last_id=%', total, after;
    END LOOP;
END;
$$;
