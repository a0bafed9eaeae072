-- The system tables are private to the engine. On Supabase the default privileges of
-- the public schema give the API roles (anon, authenticated) ALL on every new table, so
-- anyone holding the public API key could read and rewrite the reviewed migrations.
-- Row level security without a policy admits only the owner and BYPASSRLS roles, and
-- every privilege of the API roles (and of PUBLIC, which they inherit) is revoked.
-- The engine repeats this lockdown after every installation, for tables added later.

DO $$
DECLARE
    system_table text;
    api_role text;
BEGIN
    FOREACH system_table IN ARRAY ARRAY[
        'field_type_registry', 'sections', 'section_fields', 'section_migrations', 'content_schema_versions'
    ] LOOP
        IF to_regclass(quote_ident(current_schema()) || '.' || quote_ident(system_table)) IS NULL THEN
            CONTINUE;
        END IF;
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', system_table);
        EXECUTE format('REVOKE ALL ON TABLE %I FROM PUBLIC', system_table);
        FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
                EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', system_table, api_role);
            END IF;
        END LOOP;
    END LOOP;
END;
$$;

-- A function resolving names through the caller's search_path can be redirected to
-- objects the caller planted; this one needs nothing beyond pg_catalog.
ALTER FUNCTION content_touch_updated_at() SET search_path = pg_catalog, pg_temp;
