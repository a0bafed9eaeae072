"""System schema installation, registry sync, and validation of sections and fields."""

from __future__ import annotations

import psycopg
import pytest
from engine_helpers import make_section, sql

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_nodes_content.content_engine.system.install import migration_files
from polysynergy_section_field import default_registry

SEED_SYSTEM_SQL = """
CREATE TABLE field_type_registry (handle TEXT PRIMARY KEY, label TEXT NOT NULL, postgres_type TEXT NOT NULL,
    ui_component TEXT NOT NULL, settings_schema JSONB, category TEXT NOT NULL DEFAULT 'general', icon TEXT,
    version TEXT, registered_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
CREATE TABLE sections (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), handle TEXT NOT NULL UNIQUE, label TEXT NOT NULL,
    description TEXT, icon TEXT, table_name TEXT NOT NULL UNIQUE, title_field_handle TEXT, is_active BOOLEAN DEFAULT TRUE,
    migration_status TEXT DEFAULT 'pending', last_migration_id UUID, created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW());
CREATE TABLE section_fields (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    section_id UUID NOT NULL REFERENCES sections(id) ON DELETE CASCADE, handle TEXT NOT NULL, label TEXT NOT NULL,
    field_type_handle TEXT NOT NULL REFERENCES field_type_registry(handle), field_settings JSONB DEFAULT '{}',
    default_value TEXT, help_text TEXT, placeholder TEXT, is_required BOOLEAN DEFAULT FALSE,
    is_unique BOOLEAN DEFAULT FALSE, custom_validation_rules JSONB, ui_width TEXT DEFAULT 'full',
    tab_name TEXT DEFAULT 'Content', sort_order INTEGER DEFAULT 0, is_visible BOOLEAN DEFAULT TRUE,
    related_section_id UUID REFERENCES sections(id), created_at TIMESTAMP DEFAULT NOW(),
    updated_at TIMESTAMP DEFAULT NOW(), UNIQUE(section_id, handle));
CREATE TABLE section_migrations (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    section_id UUID NOT NULL REFERENCES sections(id) ON DELETE CASCADE, migration_type TEXT NOT NULL,
    migration_sql TEXT NOT NULL, description TEXT, status TEXT NOT NULL DEFAULT 'generated', error_message TEXT,
    generated_by TEXT, applied_by TEXT, generated_at TIMESTAMP DEFAULT NOW(), applied_at TIMESTAMP,
    version INTEGER NOT NULL);
INSERT INTO field_type_registry (handle, label, postgres_type, ui_component) VALUES ('text', 'Plain Text', 'TEXT', 'text-input');
INSERT INTO sections (handle, label, table_name, created_at) VALUES ('legacy', 'Legacy', 'legacy', '2025-01-02 03:04:05');
"""


def test_install_is_idempotent_and_versioned(database_url):
    engine = ContentEngine(database_url)
    first = engine.install()
    files = migration_files()
    assert first["applied"] == [name for _, name, _ in files]
    assert first["applied"][:3] == ["001_system_tables.sql", "002_upgrade_seed_installation.sql",
                                    "003_private_system_tables.sql"]
    assert first["schema_version"] == files[-1][0]
    second = engine.install()
    assert second["applied"] == [] and second["schema_version"] == files[-1][0]
    schemas = {r[0] for r in sql(engine, "SELECT nspname FROM pg_namespace")}
    assert {"custom", "content_archive"} <= schemas
    types = sql(engine, "SELECT data_type FROM information_schema.columns WHERE table_schema = 'public' "
                        "AND column_name IN ('created_at', 'updated_at', 'generated_at', 'applied_at')")
    assert {t[0] for t in types} == {"timestamp with time zone"}


def test_upgrade_of_an_installation_made_from_the_seed_sql(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(SEED_SYSTEM_SQL)
    engine = ContentEngine(database_url)
    engine.install()
    legacy = engine.get_section("legacy")
    assert legacy["created_at"].startswith("2025-01-02T03:04:05")
    assert legacy["config_version"] == 0
    # The upgraded installation works end to end.
    section = make_section(engine, "fresh", [{"handle": "name", "type": "text"}], [{"name": "x"}])
    assert section["migration_status"] == "migrated"


def test_other_schema_names_are_settings(database_url):
    settings = EngineSettings(system_schema="content_system", content_schema="content_data", archive_schema="content_old")
    engine = ContentEngine(database_url, settings)
    engine.install()
    make_section(engine, "things", [{"handle": "name", "type": "text"}], [{"name": "x"}])
    assert sql(engine, "SELECT name FROM content_data.things")[0][0] == "x"
    assert sql(engine, "SELECT count(*) FROM content_system.sections")[0][0] == 1


def test_registry_sync_is_an_idempotent_upsert(engine):
    handles = {r[0] for r in sql(engine, "SELECT handle FROM field_type_registry")}
    assert handles == set(default_registry().handles())
    stamp = sql(engine, "SELECT max(updated_at) FROM field_type_registry")[0][0]
    engine.sync_field_types()
    assert sql(engine, "SELECT max(updated_at) FROM field_type_registry")[0][0] == stamp
    select_row = sql(engine, "SELECT postgres_type, settings_schema IS NOT NULL, category FROM field_type_registry "
                             "WHERE handle = 'select'")[0]
    assert select_row[1] is True


@pytest.mark.parametrize("handle", ["", "Bad", "1abc", "has space", "semi;colon", "x" * 64, "drop table x", "é"])
def test_section_handles_are_validated(engine, handle):
    with pytest.raises(InvalidInput, match="handle"):
        engine.create_section(handle, "Label")
    assert sql(engine, "SELECT count(*) FROM sections")[0][0] == 0


@pytest.mark.parametrize("handle", ["id", "created_at", "updated_at"])
def test_reserved_field_handles_are_refused(engine, handle):
    section = engine.create_section("s", "S")
    with pytest.raises(InvalidInput, match="reserved"):
        engine.add_field(section["id"], handle, "X", "text")


def test_field_validation_messages_name_field_and_reason(engine):
    section = engine.create_section("s", "S")
    with pytest.raises(InvalidInput, match=r"field 'f': Unknown field type 'nope'"):
        engine.add_field(section["id"], "f", "F", "nope")
    with pytest.raises(InvalidInput, match=r"field 'f'.*maxLength"):
        engine.add_field(section["id"], "f", "F", "text", {"maxLength": "long"})
    with pytest.raises(InvalidInput, match=r"relation target section 'ghost' does not exist"):
        engine.add_field(section["id"], "f", "F", "relation", {"targetSection": "ghost"})
    with pytest.raises(InvalidInput, match=r"default value is invalid"):
        engine.add_field(section["id"], "f", "F", "integer", default_value="many")
    engine.add_field(section["id"], "f", "F", "text")
    with pytest.raises(InvalidInput, match="already exists"):
        engine.add_field(section["id"], "f", "F", "text")
    with pytest.raises(NotFound):
        engine.add_field("00000000-0000-0000-0000-000000000000", "g", "G", "text")
    with pytest.raises(InvalidInput, match="unknown field setting"):
        engine.update_field(engine.get_section("s")["fields"][0]["id"], {"colour": "red"})


def test_duplicate_section_and_table_name_clash(engine):
    engine.create_section("news", "News")
    with pytest.raises(InvalidInput, match="already exists"):
        engine.create_section("news", "News again")
    make_section(engine, "people", [{"handle": "name", "type": "text"}])
    blog = engine.create_section("blog", "Blog")
    engine.add_field(blog["id"], "people", "People", "relation", {"targetSection": "people", "allowMultiple": True})
    with pytest.raises(InvalidInput, match="relation table"):
        engine.create_section("blog_people", "Clash")


def test_a_section_that_relations_point_to_cannot_be_deleted(engine):
    make_section(engine, "people", [{"handle": "name", "type": "text"}])
    blog = engine.create_section("blog", "Blog")
    engine.add_field(blog["id"], "author", "Author", "relation", {"targetSection": "people"})
    with pytest.raises(InvalidInput, match=r"blog\.author"):
        engine.delete_section("people")
    engine.remove_field(blog["id"], "author")
    result = engine.delete_section("people")
    assert result["migration"]["is_destructive"]


def test_deleting_a_section_without_a_table_removes_its_configuration(engine):
    section = engine.create_section("draft", "Draft")
    engine.add_field(section["id"], "a", "A", "text")
    assert engine.delete_section("draft")["deleted"] is True
    with pytest.raises(NotFound):
        engine.get_section("draft")


def test_renaming_a_target_section_keeps_relations_working(engine):
    make_section(engine, "authors", [{"handle": "name", "type": "text"}], [{"name": "Ann"}])
    blog = make_section(engine, "blog", [{"handle": "title", "type": "text"}])
    engine.add_field(blog["id"], "author", "Author", "relation", {"targetSection": "authors"})
    engine.add_field(blog["id"], "editors", "Editors", "relation", {"targetSection": "authors", "allowMultiple": True})
    engine.apply_migration(engine.plan_migration(blog["id"])["id"])
    authors = engine.get_section("authors")
    engine.update_section(authors["id"], {"handle": "writers"})
    engine.apply_migration(engine.plan_migration(authors["id"])["id"])
    fields = {f["handle"]: f for f in engine.get_section("blog")["fields"]}
    assert fields["author"]["field_settings"]["targetSection"] == "writers"
    assert fields["editors"]["field_settings"]["targetSection"] == "writers"
    assert engine.plan_migration(blog["id"])["operations"] == []
    ann = engine.query_entries("writers")["entries"][0]["id"]
    post = engine.create_entry("blog", {"title": "Hi", "author": ann, "editors": [ann]})
    assert post["author"] == ann and post["editors"] == [ann]
