"""The descriptors, computed from real sections and real migration records."""

from __future__ import annotations

import json

from click.testing import CliRunner

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.descriptors import (
    form_descriptor, portal_layout_config, review_descriptor, table_descriptor)

from studio_helpers import build

FIELDS = [
    dict(handle="name", label="Name", field_type_handle="text", field_settings={"maxLength": 80}, is_required=True,
         help_text="The company's name", placeholder="Acme"),
    dict(handle="size", label="Size", field_type_handle="integer", field_settings={"min": 1}, ui_width="half"),
    dict(handle="tier", label="Tier", field_type_handle="select",
         field_settings={"options": [{"value": "a", "label": "Gold"}, "b"]}, ui_width="quarter"),
    dict(handle="active", label="Active", field_type_handle="boolean", ui_width="quarter", default_value=True),
    dict(handle="notes", label="Notes", field_type_handle="textarea", tab_name="Details", ui_width="third"),
    dict(handle="secret", label="Secret", field_type_handle="text", is_visible=False),
]


def test_form_descriptor_layout_widgets_and_schema(engine):
    section = build(engine, "companies", FIELDS)
    form = form_descriptor(section, engine.registry)
    assert form["has_table"] and not form["pending_migration"]
    assert form["title_field"] == "name"
    assert form["field_order"] == ["name", "size", "tier", "active", "notes"]  # hidden one left out
    by = {f["handle"]: f for f in form["fields"]}
    assert by["name"]["widget"] == "text" and by["name"]["ui_component"] == "text-input"
    assert by["name"]["required"] and by["name"]["help_text"] == "The company's name"
    assert by["name"]["placeholder"] == "Acme"
    assert by["tier"]["options"] == [{"value": "a", "label": "Gold"}, {"value": "b", "label": "b"}]
    assert by["active"]["default"] is True
    assert [t["name"] for t in form["tabs"]] == ["Content", "Details"]
    content = form["tabs"][0]["rows"]
    assert content == [
        {"cells": [{"field": "name", "col_start": 1, "col_end": 13}]},
        {"cells": [{"field": "size", "col_start": 1, "col_end": 7}, {"field": "tier", "col_start": 7, "col_end": 10},
                   {"field": "active", "col_start": 10, "col_end": 13}]},
    ]
    assert form["tabs"][1]["rows"] == [{"cells": [{"field": "notes", "col_start": 1, "col_end": 5}]}]
    schema = form["schema"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["name"] and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"name", "size", "tier", "active", "notes", "secret"}
    assert schema["properties"]["name"]["maxLength"] == 80
    assert schema["properties"]["size"]["anyOf"][1]["minimum"] == 1


def test_presentation_changes_show_without_a_migration_but_new_fields_wait(engine):
    section = build(engine, "companies", FIELDS)
    engine.update_field(next(f["id"] for f in section["fields"] if f["handle"] == "size"),
                        {"label": "Employees", "sort_order": -1})
    engine.add_field(section["id"], "founded", "Founded", "date")
    section = engine.get_section(section["id"])
    form = form_descriptor(section, engine.registry)
    assert form["pending_migration"]
    assert form["field_order"][0] == "size" and form["fields"][0]["label"] == "Employees"
    assert "founded" not in form["field_order"]
    preview = form_descriptor(section, engine.registry, source="configured")
    assert "founded" in preview["field_order"]


def test_table_descriptor_columns_operators_and_relations(engine):
    build(engine, "companies", FIELDS)
    people = build(engine, "people", [
        dict(handle="full_name", field_type_handle="text"),
        dict(handle="employer", field_type_handle="relation", field_settings={"targetSection": "companies"}),
        dict(handle="tags", field_type_handle="multi_select", field_settings={"options": ["x", "y"]}),
    ])
    table = table_descriptor(people, engine.registry)
    columns = {c["handle"]: c for c in table["columns"]}
    assert list(columns) == ["full_name", "employer", "tags", "created_at", "updated_at"]
    assert columns["full_name"]["sortable"] and "_icontains" in columns["full_name"]["filter_operators"]
    assert columns["employer"]["cell"] == "relation" and columns["employer"]["related_section"] == "companies"
    assert "_icontains" not in columns["employer"]["filter_operators"]
    assert columns["tags"]["cell"] == "tags" and not columns["tags"]["sortable"]
    assert columns["created_at"]["system"] and table["default_sort"] == {"field": "created_at", "direction": "desc"}
    assert table["title_field"] == "full_name"


def test_review_descriptor_marks_destructive_steps_and_counts(engine):
    section = build(engine, "companies", FIELDS)
    engine.create_entries("companies", [{"name": "A"}, {"name": "B", "notes": "n"}])
    engine.remove_field(section["id"], "notes")
    engine.update_field(next(f["id"] for f in section["fields"] if f["handle"] == "size"), {"is_required": True})
    plan = engine.plan_migration(section["id"])
    review = review_descriptor(plan)
    assert review["destructive"] and review["needs_confirmation"]
    kinds = {o["kind"]: o for o in review["operations"]}
    assert kinds["drop_column"]["destructive"]
    assert kinds["drop_column"]["lock"].startswith("ACCESS EXCLUSIVE")
    assert kinds["drop_column"]["lock_source"] == "declared"
    counts = [p["count"] for o in review["operations"] for p in o["prechecks"]]
    assert 2 in counts  # both rows have no size yet: SET NOT NULL would fail
    assert review["blocking_prechecks"]
    assert any(w.startswith("DESTRUCTIVE") for w in review["warnings"])
    assert "DROP COLUMN" in review["sql"].upper() or "archive" in review["sql"].lower()
    assert len(review["sql_sha256"]) == 64
    assert review["checksum"] == plan["checksum"] and len(review["checksum"]) == 64


def test_portal_layout_config_shape(engine):
    section = build(engine, "companies", FIELDS)
    form = form_descriptor(section, engine.registry)
    layout = portal_layout_config(form, table_descriptor(section, engine.registry))
    content = layout["tabs"]["Content"]["rows"]
    assert [len(r["cells"]) for r in content] == [1, 3]
    cell = content[1]["cells"][2]
    assert cell["type"] == "field" and (cell["col_start"], cell["col_end"]) == (10, 13)
    assert (cell["row_start"], cell["row_end"]) == (1, 2)
    assert cell["fieldAssignmentId"] == next(f["id"] for f in section["fields"] if f["handle"] == "active")
    assert layout["table_columns"]["hidden"] == ["created_at", "updated_at"]
    assert layout["table_columns"]["order"][:2] == ["name", "size"]


def test_cli_sections_form_and_table_json(engine, database_url):
    build(engine, "companies", FIELDS)
    runner = CliRunner()
    out = runner.invoke(cli, ["--database-url", database_url, "sections", "form", "companies", "--json"])
    assert out.exit_code == 0, out.output
    form = json.loads(out.stdout)["form"]
    assert form["schema"]["required"] == ["name"] and form["tabs"][1]["name"] == "Details"
    out = runner.invoke(cli, ["--database-url", database_url, "sections", "table", "companies", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["table"]["columns"][0]["handle"] == "name"
    out = runner.invoke(cli, ["--database-url", database_url, "sections", "form", "companies", "--portal-layout",
                              "--json"])
    assert "Content" in json.loads(out.stdout)["layout_config"]["tabs"]
    out = runner.invoke(cli, ["--database-url", database_url, "sections", "form", "nothing_here", "--json"])
    assert out.exit_code == 2 and "does not exist" in json.loads(out.stdout)["error"]["message"]
