"""Every operation kind, forward and back, on a table that holds rows.

After the rollback the live table (columns, types, constraints, indexes), the rows and
the field configuration must be exactly what they were before the migration.
"""

from __future__ import annotations

import pytest

from engine_helpers import live_state, make_section, plan_apply, rows, sql

BASE_FIELDS = [
    {"handle": "title", "type": "text", "field_settings": {"maxLength": 120}},
    {"handle": "body", "type": "textarea"},
    {"handle": "count_text", "type": "text"},
    {"handle": "status", "type": "select", "field_settings": {"options": ["draft", "live"]}, "default_value": "draft"},
    {"handle": "score", "type": "integer", "is_required": True},
]
BASE_ROWS = [
    {"title": "Alpha", "body": "first\nline", "count_text": "12", "status": "live", "score": 1},
    {"title": "Beta", "body": None, "count_text": "7", "score": 2},
    {"title": "Gamma ✓", "body": "ünïcödé", "count_text": None, "status": "draft", "score": 3},
]


def field_config(engine, section_id):
    keep = ("id", "handle", "field_type_handle", "field_settings", "is_required", "is_unique", "default_value",
            "label", "sort_order")
    return sorted(({k: f[k] for k in keep} for f in engine.get_section(section_id)["fields"]), key=lambda f: f["id"])


def field_id(engine, section_id, handle):
    return next(f["id"] for f in engine.get_section(section_id)["fields"] if f["handle"] == handle)


def add_authors(engine):
    section = make_section(engine, "authors", [{"handle": "name", "type": "text"}], [{"name": "Ann"}, {"name": "Bob"}])
    return section


CASES = {
    "add_column": (lambda e, s: e.add_field(s, "subtitle", "Subtitle", "text"), {"add_column"}),
    "add_required_column_with_default": (
        lambda e, s: e.add_field(s, "views", "Views", "integer", is_required=True, default_value=0),
        {"add_column", "set_not_null"},
    ),
    "rename_column": (lambda e, s: e.update_field(field_id(e, s, "title"), {"handle": "headline"}), {"rename_column"}),
    "alter_type": (
        lambda e, s: e.update_field(field_id(e, s, "count_text"), {"field_type_handle": "integer"}),
        {"alter_type_online"}),
    "shorter_varchar": (
        lambda e, s: e.update_field(field_id(e, s, "title"), {"field_settings": {"maxLength": 20}}),
        {"alter_type_online"}),
    "rename_and_alter_type": (
        lambda e, s: e.update_field(field_id(e, s, "count_text"), {"handle": "count_num", "field_type_handle": "integer"}),
        {"rename_column", "alter_type_online"}),
    "rename_and_alter_required_type": (
        lambda e, s: e.update_field(field_id(e, s, "score"), {"handle": "points", "field_type_handle": "number"}),
        {"rename_column", "alter_type_online", "set_not_null"}),
    "longer_varchar": (
        lambda e, s: e.update_field(field_id(e, s, "title"), {"field_settings": {"maxLength": 500}}),
        {"alter_type_in_place"}),
    "set_not_null": (lambda e, s: e.update_field(field_id(e, s, "title"), {"is_required": True}), {"set_not_null"}),
    "drop_not_null": (lambda e, s: e.update_field(field_id(e, s, "score"), {"is_required": False}), {"drop_not_null"}),
    "set_default": (lambda e, s: e.update_field(field_id(e, s, "status"), {"default_value": "live"}), {"set_default"}),
    "add_unique": (lambda e, s: e.update_field(field_id(e, s, "title"), {"is_unique": True}), {"add_unique"}),
    "change_check": (
        lambda e, s: e.update_field(field_id(e, s, "status"), {"field_settings": {"options": ["draft", "live", "gone"]}}),
        {"drop_constraint", "add_check"},
    ),
    "add_check": (
        lambda e, s: e.update_field(field_id(e, s, "title"), {"field_settings": {"maxLength": 120, "minLength": 2}}),
        {"add_check"},
    ),
    "add_relation": (
        lambda e, s: (add_authors(e), e.add_field(s, "author", "Author", "relation", {"targetSection": "authors"})),
        {"add_column", "add_foreign_key", "add_index"},
    ),
    "add_multiple_relation": (
        lambda e, s: (add_authors(e), e.add_field(s, "editors", "Editors", "relation",
                                                  {"targetSection": "authors", "allowMultiple": True})),
        {"create_junction"},
    ),
    "add_json_index": (lambda e, s: e.add_field(s, "meta", "Meta", "json"), {"add_column", "add_index"}),
    "drop_column": (lambda e, s: e.remove_field(s, "body"), {"drop_column"}),
    "rename_table": (lambda e, s: e.update_section(s, {"handle": "posts"}), {"rename_table"}),
    "archive_table": (lambda e, s: e.delete_section(s), {"archive_table"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_operation_forward_and_back(engine, case):
    change, expected_kinds = CASES[case]
    section = make_section(engine, "articles", BASE_FIELDS, BASE_ROWS)
    sid = section["id"]
    before_live = live_state(engine, sid)
    before_rows = rows(engine, "articles")
    before_config = field_config(engine, sid)
    assert len(before_rows) == 3

    change(engine, sid)
    migration = engine.plan_migration(sid)
    kinds = {op["kind"] for op in migration["operations"]}
    assert expected_kinds <= kinds, migration["sql"]
    applied = engine.apply_migration(migration["id"], confirm=True)
    assert applied["status"] == "applied"
    assert live_state(engine, sid) != before_live
    assert engine.get_section(sid)["migration_status"] == "migrated"

    rolled = engine.rollback_migration(migration["id"])
    assert rolled["status"] == "rolled_back"
    assert live_state(engine, sid) == before_live
    assert rows(engine, "articles") == before_rows
    assert field_config(engine, sid) == before_config
    # Nothing is left to migrate: configuration and table agree again.
    assert engine.plan_migration(sid)["id"] is None


def test_forward_changes_are_visible(engine):
    section = make_section(engine, "articles", BASE_FIELDS, BASE_ROWS)
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "title"), {"handle": "headline"})
    engine.update_field(field_id(engine, sid, "count_text"), {"field_type_handle": "integer"})
    plan_apply(engine, sid)
    data = {r["headline"]: r["count_text"] for r in rows(engine, "articles")}
    assert data == {"Alpha": 12, "Beta": 7, "Gamma ✓": None}
    column_types = dict(sql(engine, "SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = 'custom' AND table_name = 'articles'"))
    assert column_types["count_text"] == "bigint"
    assert "title" not in column_types


def test_drop_column_then_rollback_restores_every_value(engine):
    values = [f"value {i} ' \" \\ ✓" if i % 7 else None for i in range(500)]
    section = make_section(engine, "notes", [{"handle": "text", "type": "text"}, {"handle": "n", "type": "integer"}])
    engine.create_entries("notes", [{"text": v, "n": i} for i, v in enumerate(values)])
    before = {r["n"]: (r["text"], r["updated_at"]) for r in rows(engine, "notes")}
    engine.remove_field(section["id"], "text")
    migration = engine.plan_migration(section["id"])
    assert migration["is_destructive"]
    engine.apply_migration(migration["id"], confirm=True)
    assert "text" not in rows(engine, "notes")[0]
    archived = sql(engine, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'content_archive'")
    assert archived[0][0] == 1
    engine.rollback_migration(migration["id"])
    after = {r["n"]: (r["text"], r["updated_at"]) for r in rows(engine, "notes")}
    assert after == before
