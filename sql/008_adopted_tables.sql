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
