"""Every CLI command against the real PostgreSQL (in-process through CliRunner)."""

from __future__ import annotations

import subprocess
import sys

import click
import psycopg
from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli


def _all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if isinstance(command, click.Group):
            yield from _all_commands(command, path)


def test_help_everywhere():
    runner = CliRunner()
    paths = [(), *_all_commands(cli)]
    assert ("entries", "import") in paths and ("migrations", "rollback") in paths and ("db", "stop") in paths
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.stdout


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "polysynergy_nodes_content", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "migrations" in done.stdout and "entries" in done.stdout


def test_init_installs_and_is_idempotent(run, database_url):
    first = run.json("init")
    assert first["ok"] is True
    assert first["schema_version"] >= 1
    assert "text" in first["field_types"] and "relation" in first["field_types"]
    assert first["database"]["source"] == "--database-url"
    again = run.json("init")
    assert again["applied"] == []
    with psycopg.connect(database_url) as conn:
        count = conn.execute("SELECT count(*) FROM field_type_registry").fetchone()[0]
    assert count == len(first["field_types"])
    text = run("init")
    assert "System schema version" in text.stdout
    assert "Database:" in text.stderr  # which database is used, on stderr


def test_field_types_table_and_json(run):
    data = run.json("field-types")
    handles = {t["handle"]: t for t in data["field_types"]}
    assert handles["boolean"]["postgres_type"] == "boolean"
    assert "maxLength" in handles["text"]["settings_schema"]["properties"]
    out = run("field-types").stdout
    for word in ("handle", "column type", "multi_select", "timestamp with time zone"):
        assert word in out


def test_sections_fields_migrations_workflow(run, database_url):
    created = run.json("sections", "create", "companies", "--label", "Companies", "--description", "Researched")
    assert created["section"]["handle"] == "companies"
    run("sections", "create", "people")
    run("fields", "add", "people", "name", "-t", "text", "--required")
    run("fields", "add", "companies", "name", "-t", "text", "--settings", '{"maxLength": 200}', "--required",
        "--unique")
    run("fields", "add", "companies", "employees", "-t", "integer", "--settings", '{"min": 0}')
    run("fields", "add", "companies", "ceo", "-t", "relation", "--settings", '{"targetSection": "people"}')
    run("fields", "add", "companies", "staff", "-t", "relation",
        "--settings", '{"targetSection": "people", "allowMultiple": true}')

    listed = run.json("sections", "list")
    assert {s["handle"] for s in listed["sections"]} == {"companies", "people"}
    assert "companies" in run("sections", "list").stdout
    shown = run.json("sections", "show", "companies")
    assert [f["handle"] for f in shown["section"]["fields"]] == ["name", "employees", "ceo", "staff"]
    assert "employees" in run("sections", "show", "companies").stdout

    diagram = run("sections", "diagram").stdout
    assert diagram.startswith("erDiagram\n")
    assert "    companies {" in diagram and "    people {" in diagram
    assert "text name UK" in diagram
    assert 'companies }o--o| people : "ceo"' in diagram
    assert 'companies }o--o{ people : "staff"' in diagram
    only = run.json("sections", "diagram", "people")["mermaid"]
    assert "companies" not in only and "people {" in only

    # plan + apply people (with confirmation answered yes), then companies with --yes
    plan = run.json("migrations", "plan", "people")["migration"]
    assert plan["status"] == "generated" and "CREATE TABLE" in plan["sql"]
    text = run("migrations", "plan", "people").stdout  # planning again supersedes the first plan
    assert "SQL to review" in text and "CREATE TABLE" in text
    applied = run("migrations", "apply", "people", input="y\n")
    assert "Applied" in applied.stdout and "Apply migration" in applied.stderr
    run("migrations", "plan", "companies")
    done = run.json("migrations", "apply", "companies", "--yes")["migration"]
    assert done["status"] == "applied"

    migrations = run.json("migrations", "list")["migrations"]
    assert [(m["section_handle"], m["status"]) for m in migrations] == [
        ("companies", "applied"), ("people", "superseded"), ("people", "applied")]
    assert run.json("migrations", "list", "--section", "people")["migrations"][0]["section_handle"] == "people"
    assert "superseded" in run("migrations", "list").stdout
    shown = run.json("migrations", "show", done["id"])["migration"]
    assert shown["id"] == done["id"]
    assert "RENAME TO" in run("migrations", "show", done["id"], "--down").stdout

    # rename + required: a warning and a pre-check, applied, then rolled back
    run("fields", "update", "companies", "employees", "--rename", "headcount", "--label", "Headcount")
    review = run("migrations", "plan", "companies").stdout
    assert 'RENAME COLUMN "employees" TO "headcount"' in review
    assert "WARNING" in review and "renaming-column" in review
    run("migrations", "apply", "companies", "--yes")
    assert [f["handle"] for f in run.json("sections", "show", "companies")["section"]["fields"]][1] == "headcount"
    rolled = run("migrations", "rollback", "companies", input="y\n")
    assert "Rolled back" in rolled.stdout and "Rollback SQL" in rolled.stdout
    assert [f["handle"] for f in run.json("sections", "show", "companies")["section"]["fields"]][1] == "employees"

    # a destructive migration: confirmed at the prompt -> applied with confirm=True
    run("entries", "create", "companies", '{"name": "Acme", "employees": 12}')
    run("fields", "remove", "companies", "employees")
    review = run("migrations", "plan", "companies").stdout
    assert "DESTRUCTIVE" in review and "rows with a value in employees" in review and "1 row(s)" in review
    result = run("migrations", "apply", "companies", input="y\n")
    assert "DESTRUCTIVE" in result.stderr  # the question names it
    with psycopg.connect(database_url) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'custom' "
            "AND table_name = 'companies'")]
    assert "employees" not in cols
    run("migrations", "rollback", "companies", "--yes")
    entry = run.json("entries", "query", "companies")["entries"][0]
    assert entry["employees"] == 12  # restored from the archive

    # delete a section without a table at once; with a table via a destructive migration
    run("sections", "create", "scratch")
    assert run.json("sections", "delete", "scratch")["deleted"] is True
    err = run.json("sections", "delete", "people", expect=2)["error"]  # still the target of companies' relations
    assert "companies.ceo" in err["message"]
    deleted = run.json("sections", "delete", "companies")
    assert deleted["deleted"] is False and deleted["migration"]["is_destructive"] is True
    run("sections", "create", "solo")
    run("fields", "add", "solo", "name", "-t", "text")
    run("migrations", "apply", run.json("migrations", "plan", "solo")["migration"]["id"], "--yes")
    text = run("sections", "delete", "solo").stdout
    assert "DESTRUCTIVE" in text and "Apply it with" in text
    run("migrations", "apply", "solo", "--yes")
    assert "solo" not in {s["handle"] for s in run.json("sections", "list")["sections"] if s["is_active"]}


def test_fields_update_options(run):
    run("sections", "create", "notes")
    run("fields", "add", "notes", "title", "-t", "text", "--help-text", "Shown", "--width", "half", "--tab", "Main")
    run("fields", "add", "notes", "score", "-t", "integer", "--default", "5")
    updated = run.json("fields", "update", "notes", "title", "--required", "--unique", "--placeholder", "Title...",
                       "--settings", '{"maxLength": 80}', "--hidden")["field"]
    assert updated["is_required"] and updated["is_unique"] and updated["is_visible"] is False
    assert updated["field_settings"] == {"maxLength": 80} and updated["placeholder"] == "Title..."
    retyped = run.json("fields", "update", "notes", "score", "--type", "decimal", "--optional")["field"]
    assert retyped["field_type_handle"] == "decimal"
    assert run.json("fields", "remove", "notes", "score")["field"]["handle"] == "score"


def test_entries_crud_and_query(run, companies):
    one = run.json("entries", "create", companies,
                   '{"company_name": "SWIS", "uses_kubernetes": true, "kubernetes_confidence": "hoog", '
                   '"industry": "Digital Agency"}')["entry"]
    assert one["company_name"] == "SWIS" and one["id"]
    many = run.json("entries", "create", companies, "-", input='[{"company_name": "Acme", "uses_kubernetes": false},'
                    ' {"company_name": "Nimbus", "uses_kubernetes": true, "industry": "Cloud"}]')["entries"]
    assert [e["company_name"] for e in many] == ["Acme", "Nimbus"]
    got = run.json("entries", "get", companies, one["id"])["entry"]
    assert got["industry"] == "Digital Agency"
    assert "Digital Agency" in run("entries", "get", companies, one["id"]).stdout

    found = run.json("entries", "query", companies, "--filter", '{"uses_kubernetes": true}', "--order-by",
                     "company_name DESC")
    assert [e["company_name"] for e in found["entries"]] == ["SWIS", "Nimbus"]
    assert found["total_count"] == 2
    paged = run.json("entries", "query", companies, "-o", "company_name", "--limit", "1", "--offset", "1")
    assert [e["company_name"] for e in paged["entries"]] == ["Nimbus"] and paged["total_count"] == 3
    text = run("entries", "query", companies, "-f", '{"_or": [{"industry": {"_null": true}}, {"industry": "Cloud"}]}')
    assert "Acme" in text.stdout and "Nimbus" in text.stdout and "SWIS" not in text.stdout

    updated = run.json("entries", "update", companies, one["id"], '{"kubernetes_confidence": "middel"}')["entry"]
    assert updated["kubernetes_confidence"] == "middel" and updated["company_name"] == "SWIS"
    assert "Updated entry" in run("entries", "update", companies, one["id"], '{"industry": null}').stdout
    run("entries", "delete", companies, one["id"], many[0]["id"])
    left = run.json("entries", "query", companies)
    assert [e["company_name"] for e in left["entries"]] == ["Nimbus"]


def test_per_command_json_flag(run, companies):
    data = run.json("entries", "query", companies)  # global --json
    import json

    result = run("entries", "query", companies, "--json")  # per command
    assert json.loads(result.stdout)["total_count"] == data["total_count"] == 0
    assert result.stderr == ""  # the database is named in the JSON instead
    assert json.loads(result.stdout)["database"]["source"] == "--database-url"


def test_database_from_environment_variables(database_url, monkeypatch):
    from click.testing import CliRunner

    runner = CliRunner()
    monkeypatch.delenv("SECTIONS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import json

    out = runner.invoke(cli, ["--json", "sections", "list"], env={"DATABASE_URL": database_url})
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["database"]["source"] == "DATABASE_URL"
    out = runner.invoke(cli, ["--json", "sections", "list"],
                        env={"SECTIONS_DATABASE_URL": database_url, "DATABASE_URL": "postgresql://nobody@nowhere/x"})
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["database"]["source"] == "SECTIONS_DATABASE_URL"
