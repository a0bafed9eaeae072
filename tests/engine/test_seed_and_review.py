"""The seed's usage example and what the reviewed SQL shows."""

from __future__ import annotations

import re

import pytest

from engine_helpers import make_section, sql

SEED_FIELDS = [
    dict(handle="company_name", label="Company Name", type="text", field_settings={"maxLength": 200},
         is_required=True, is_unique=True),
    dict(handle="uses_kubernetes", label="Uses Kubernetes", type="boolean"),
    dict(handle="kubernetes_confidence", label="Confidence Level", type="select",
         field_settings={"options": ["hoog", "middel", "laag"]}),
    dict(handle="industry", label="Industry", type="text"),
    dict(handle="outreach_suggestion", label="Outreach Message", type="textarea", field_settings={"rows": 5}),
]


def test_seed_example_yields_one_create_table_equivalent_to_the_seed(engine):
    section = engine.create_section("research_companies", "Research Companies",
                                    "Companies researched for Kubernetes usage")
    for spec in SEED_FIELDS:
        spec = dict(spec)
        engine.add_field(section["id"], spec.pop("handle"), spec.pop("label"), spec.pop("type"), **spec)
    migration = engine.plan_migration(section["id"])
    script = migration["sql"]
    assert script.count("CREATE TABLE") == 1
    assert 'CREATE TABLE "custom"."research_companies"' in script
    assert [op["kind"] for op in migration["operations"]] == ["create_table", "enable_history", "notify_postgrest"]
    assert not migration["is_destructive"]
    engine.apply_migration(migration["id"], confirm=True)

    columns = {r[0]: r[1:] for r in sql(engine,
        "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = 'custom' AND table_name = 'research_companies'")}
    assert columns["id"][0] == "uuid" and "gen_random_uuid()" in columns["id"][3]
    assert columns["company_name"][:3] == ("character varying", 200, "NO")
    assert columns["uses_kubernetes"][0] == "boolean"
    assert columns["kubernetes_confidence"][0] == "text"
    assert columns["industry"][0] == "text"
    assert columns["outreach_suggestion"][0] == "text"
    for ts in ("created_at", "updated_at"):
        assert columns[ts][0] == "timestamp with time zone" and "now()" in columns[ts][3]
    indexes = [r[0] for r in sql(engine, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'custom'")]
    assert any("(created_at)" in i for i in indexes)
    assert any("(updated_at)" in i for i in indexes)
    assert any("UNIQUE" in i and "(company_name)" in i for i in indexes)
    # The select field is guarded by the database itself.
    with pytest.raises(Exception, match="check constraint"):
        sql(engine, "INSERT INTO custom.research_companies (company_name, kubernetes_confidence) VALUES ('X', 'maybe')")
    # updated_at is kept current by a trigger.
    sql(engine, "INSERT INTO custom.research_companies (company_name) VALUES ('SWIS')")
    sql(engine, "UPDATE custom.research_companies SET industry = 'Agency'")
    stamps = sql(engine, "SELECT created_at, updated_at FROM custom.research_companies")[0]
    assert stamps[1] > stamps[0]


def test_reviewed_sql_shows_lint_findings_for_each_risky_operation(engine):
    make_section(engine, "authors", [{"handle": "name", "type": "text"}], [{"name": "Ann"}])
    section = make_section(engine, "posts", [
        {"handle": "title", "type": "text"}, {"handle": "body", "type": "text"},
        {"handle": "rank", "type": "text"}, {"handle": "slug", "type": "text"},
    ], [{"title": "a", "body": "b", "rank": "1", "slug": "s"}, {"title": "a", "body": None, "rank": "x", "slug": "t"}])
    sid = section["id"]
    fields = {f["handle"]: f["id"] for f in engine.get_section(sid)["fields"]}
    engine.update_field(fields["title"], {"is_unique": True})
    engine.update_field(fields["body"], {"is_required": True})
    engine.update_field(fields["rank"], {"field_type_handle": "integer"})
    engine.update_field(fields["slug"], {"handle": "permalink"})
    engine.add_field(sid, "author", "Author", "relation", {"targetSection": "authors"})
    engine.add_field(sid, "meta", "Meta", "json")
    migration = engine.plan_migration(sid)
    script = migration["sql"]
    for rule in ("disallowed-unique-constraint", "adding-not-nullable-field", "changing-column-type", "renaming-column"):
        assert f"[{rule}]" in script, rule
    assert "PRE-CHECK: rows whose rank cannot be converted to bigint: 1 row(s)" in script
    assert "PRE-CHECK: duplicate values in title: 1 row(s)" in script
    assert "PRE-CHECK: rows where body is NULL: 1 row(s)" in script
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS" in script
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS" in script  # FK and JSON indexes on a populated table
    assert re.search(r"FOREIGN KEY .* NOT VALID", script)
    assert "VALIDATE CONSTRAINT" in script
    assert "SET lock_timeout = '2000ms';" in script
    assert "NOTIFY pgrst, 'reload schema'" in script
    # One transaction, marked as psql runs it; CONCURRENTLY statements stay outside it.
    assert len(re.findall(r"^BEGIN;$", script, re.M)) == 1 and len(re.findall(r"^COMMIT;$", script, re.M)) == 1
    inside = script[script.index("\nBEGIN;\n"):script.index("\nCOMMIT;\n")]
    assert "CONCURRENTLY" not in "\n".join(line for line in inside.splitlines() if not line.startswith("--"))
    statements = [line for line in script.splitlines() if not line.startswith("--")]
    assert all(" custom." not in line for line in statements)  # always schema-qualified and quoted
    assert any("rank" in w and "changing-column-type" in w for w in migration["warnings"])
    # The same plan after removal of a field is destructive and says so.
    engine.remove_field(sid, "meta")
    engine.remove_field(sid, "body")
    destructive = engine.plan_migration(sid)
    assert destructive["is_destructive"]
    assert "[ban-drop-column]" in destructive["sql"] and "DESTRUCTIVE" in destructive["sql"]
    assert "archived to content_archive" in destructive["sql"]


def test_generated_names_fit_in_63_bytes(engine):
    long_section = "s" * 60
    long_field = "f" * 60
    make_section(engine, "target", [{"handle": "name", "type": "text"}])
    section = engine.create_section(long_section, "Long")
    engine.add_field(section["id"], long_field, "Long", "relation", {"targetSection": "target", "allowMultiple": True})
    migration = engine.plan_migration(section["id"])
    engine.apply_migration(migration["id"])
    names = [r[0] for r in sql(engine, "SELECT tablename FROM pg_tables WHERE schemaname = 'custom'")]
    junction = [n for n in names if n not in ("target", long_section)]
    assert len(junction) == 1 and len(junction[0].encode()) <= 63
    assert junction[0].startswith("s" * 20)
