-- Brings an installation made from the seed's original SQL up to this layout: adds the
-- columns the engine needs and moves timestamps to timestamptz (values read as UTC).
-- Every statement is a no-op on an installation created by 001.

ALTER TABLE field_type_registry ADD COLUMN IF NOT EXISTS filter_operators JSONB NOT NULL DEFAULT '[]';
ALTER TABLE field_type_registry ADD COLUMN IF NOT EXISTS description TEXT;
ALTER TABLE sections ADD COLUMN IF NOT EXISTS applied_state JSONB;
ALTER TABLE sections ADD COLUMN IF NOT EXISTS config_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS down_sql TEXT;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS steps JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS down_steps JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS operations JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS is_destructive BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS is_reversible BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS lint_report JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS warnings JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS prechecks JSONB NOT NULL DEFAULT '[]';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS schema_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS result_fingerprint TEXT;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS from_state JSONB;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS to_state JSONB NOT NULL DEFAULT '{}';
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS config_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE section_migrations ADD COLUMN IF NOT EXISTS rolled_back_at TIMESTAMPTZ;

DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.table_name, c.column_name
        FROM information_schema.columns c
        WHERE c.table_schema = current_schema()
          AND c.table_name IN ('field_type_registry', 'sections', 'section_fields', 'section_migrations')
          AND c.data_type = 'timestamp without time zone'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE timestamptz USING %I AT TIME ZONE ''UTC''',
                       col.table_name, col.column_name, col.column_name);
    END LOOP;
END;
$$;
