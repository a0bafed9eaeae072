-- Custom validation rules of a whole entry (a section's rules; a field's own rules live in
-- section_fields.custom_validation_rules). Runs with search_path set to the system schema.
ALTER TABLE sections ADD COLUMN IF NOT EXISTS validation_rules JSONB;
-- The text fields full-text search covers (the migration builds their index).
ALTER TABLE sections ADD COLUMN IF NOT EXISTS search_fields JSONB;
