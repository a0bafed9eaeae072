-- System tables of the content system: the *desired* configuration and the history
-- of reviewed migrations. Runs with search_path set to the system schema; every
-- statement is idempotent so a re-run is harmless.

CREATE TABLE IF NOT EXISTS field_type_registry (
    handle TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    postgres_type TEXT NOT NULL,
    ui_component TEXT NOT NULL,
    settings_schema JSONB,
    category TEXT NOT NULL DEFAULT 'general',
    icon TEXT,
    version TEXT,
    filter_operators JSONB NOT NULL DEFAULT '[]',
    description TEXT,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS sections (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    handle TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    description TEXT,
    icon TEXT,
    table_name TEXT NOT NULL UNIQUE,
    title_field_handle TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    migration_status TEXT NOT NULL DEFAULT 'pending',
    last_migration_id UUID,
    -- The configuration the live table reflects (NULL until the first apply).
    applied_state JSONB,
    -- Bumped on every configuration change; a migration remembers the one it leads to.
    config_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT valid_handle CHECK (handle ~ '^[a-z][a-z0-9_]*$' AND octet_length(handle) <= 63),
    CONSTRAINT valid_table_name CHECK (table_name ~ '^[a-z][a-z0-9_]*$' AND octet_length(table_name) <= 63),
    CONSTRAINT valid_migration_status CHECK (migration_status IN ('pending', 'migrated', 'failed'))
);

CREATE TABLE IF NOT EXISTS section_fields (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    section_id UUID NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
    handle TEXT NOT NULL,
    label TEXT NOT NULL,
    field_type_handle TEXT NOT NULL REFERENCES field_type_registry(handle),
    field_settings JSONB NOT NULL DEFAULT '{}',
    -- JSON text of the default value, so every type's default survives as typed.
    default_value TEXT,
    help_text TEXT,
    placeholder TEXT,
    is_required BOOLEAN NOT NULL DEFAULT FALSE,
    is_unique BOOLEAN NOT NULL DEFAULT FALSE,
    custom_validation_rules JSONB,
    ui_width TEXT NOT NULL DEFAULT 'full',
    tab_name TEXT NOT NULL DEFAULT 'Content',
    sort_order INTEGER NOT NULL DEFAULT 0,
    is_visible BOOLEAN NOT NULL DEFAULT TRUE,
    related_section_id UUID REFERENCES sections(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT valid_field_handle CHECK (handle ~ '^[a-z][a-z0-9_]*$' AND octet_length(handle) <= 63),
    CONSTRAINT valid_ui_width CHECK (ui_width IN ('full', 'half', 'third', 'quarter')),
    CONSTRAINT section_fields_section_handle_key UNIQUE (section_id, handle)
);

CREATE TABLE IF NOT EXISTS section_migrations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    section_id UUID NOT NULL REFERENCES sections(id) ON DELETE CASCADE,
    migration_type TEXT NOT NULL,
    migration_sql TEXT NOT NULL,
    down_sql TEXT,
    description TEXT,
    -- Executable form of the reviewed SQL: [{"sql", "transactional", "undo", ...}].
    steps JSONB NOT NULL DEFAULT '[]',
    down_steps JSONB NOT NULL DEFAULT '[]',
    operations JSONB NOT NULL DEFAULT '[]',
    is_destructive BOOLEAN NOT NULL DEFAULT FALSE,
    is_reversible BOOLEAN NOT NULL DEFAULT TRUE,
    lint_report JSONB NOT NULL DEFAULT '[]',
    warnings JSONB NOT NULL DEFAULT '[]',
    prechecks JSONB NOT NULL DEFAULT '[]',
    schema_fingerprint TEXT NOT NULL,
    result_fingerprint TEXT,
    from_state JSONB,
    to_state JSONB NOT NULL,
    config_version INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'generated',
    error_message TEXT,
    generated_by TEXT,
    applied_by TEXT,
    generated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at TIMESTAMPTZ,
    rolled_back_at TIMESTAMPTZ,
    version INTEGER NOT NULL,
    CONSTRAINT valid_status CHECK (status IN ('generated', 'applied', 'failed', 'rolled_back', 'superseded')),
    CONSTRAINT section_migrations_version_key UNIQUE (section_id, version)
);

-- At most one migration waiting to be applied (or retried) per section.
CREATE UNIQUE INDEX IF NOT EXISTS section_migrations_one_pending
    ON section_migrations (section_id) WHERE status IN ('generated', 'failed');

CREATE INDEX IF NOT EXISTS idx_sections_active ON sections (is_active);
CREATE INDEX IF NOT EXISTS idx_section_fields_section ON section_fields (section_id);
CREATE INDEX IF NOT EXISTS idx_section_fields_type ON section_fields (field_type_handle);
CREATE INDEX IF NOT EXISTS idx_section_fields_related ON section_fields (related_section_id);
CREATE INDEX IF NOT EXISTS idx_section_migrations_section ON section_migrations (section_id);
CREATE INDEX IF NOT EXISTS idx_section_migrations_status ON section_migrations (status);

-- Keeps updated_at current on system tables and on every section table.
CREATE OR REPLACE FUNCTION content_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- A rollback restoring archived values is not an edit: it keeps updated_at.
    IF coalesce(current_setting('polysynergy.restoring', true), '') <> 'on' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS touch_updated_at ON sections;
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON sections
    FOR EACH ROW EXECUTE FUNCTION content_touch_updated_at();
DROP TRIGGER IF EXISTS touch_updated_at ON section_fields;
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON section_fields
    FOR EACH ROW EXECUTE FUNCTION content_touch_updated_at();
DROP TRIGGER IF EXISTS touch_updated_at ON field_type_registry;
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON field_type_registry
    FOR EACH ROW EXECUTE FUNCTION content_touch_updated_at();
