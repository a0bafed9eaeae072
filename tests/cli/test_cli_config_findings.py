"""What a new user ran into with sections and fields, each fixed: deleting an archived
section, a select field's default in its settings, a type change that no plan can carry
out, an unknown title field, and the handle of a deleted section."""

from __future__ import annotations

import psycopg


def test_deleting_an_already_archived_section_says_so(run, companies):
    run("entries", "create", companies, '{"company_name": "Acme"}')
    plan = run.json("sections", "delete", companies)["migration"]
    run("migrations", "apply", plan["id"], "--yes")
    again = run("sections", "delete", companies)
    assert "already deleted" in again.stdout and plan["id"] in again.stdout
    result = run.json("sections", "delete", companies)
    assert result["already_deleted"] is True and result["archived_by"] == plan["id"]
    assert run.json("migrations", "list", "--section", companies)["migrations"][-1]["status"] == "applied"  # nothing new


def test_a_select_default_in_the_settings_is_the_field_default(run, database_url):
    run("sections", "create", "tickets")
    run("fields", "add", "tickets", "title", "--type", "text")
    run("fields", "add", "tickets", "priority", "--type", "select",
        "--settings", '{"options": ["low", "high"], "default": "high"}')
    run("fields", "add", "tickets", "urgent", "--type", "boolean", "--settings", '{"default": true}')
    field = {f["handle"]: f for f in run.json("sections", "show", "tickets")["section"]["fields"]}
    assert field["priority"]["default_value"] == '"high"' and "default" not in field["priority"]["field_settings"]
    assert field["urgent"]["default_value"] == "true"
    run("migrations", "plan", "tickets")
    run("migrations", "apply", "tickets", "--yes")
    created = run.json("entries", "create", "tickets", '{"title": "printer"}')["entry"]
    assert created["priority"] == "high" and created["urgent"] is True
    with psycopg.connect(database_url) as conn:  # the column default holds for direct SQL too
        conn.execute("INSERT INTO custom.tickets (title) VALUES ('direct')")
        assert conn.execute("SELECT priority FROM custom.tickets WHERE title = 'direct'").fetchone()[0] == "high"
    # Changing it through the settings changes the one default; two different ones are refused.
    run("fields", "update", "tickets", "priority", "--settings", '{"options": ["low", "high"], "default": "low"}')
    field = {f["handle"]: f for f in run.json("sections", "show", "tickets")["section"]["fields"]}
    assert field["priority"]["default_value"] == '"low"'
    err = run.json("fields", "update", "tickets", "priority", "--default", '"high"',
                   "--settings", '{"options": ["low", "high"], "default": "low"}', expect=2)["error"]
    assert err["field"] == "priority" and "given twice" in err["message"]
    err = run.json("fields", "add", "tickets", "level", "--type", "select",
                   "--settings", '{"options": ["a"], "default": "b"}', expect=2)["error"]
    assert err["field"] == "level" and "not one of the options" in err["message"]


def test_a_type_change_without_a_conversion_is_refused_when_made(run, companies):
    run("fields", "add", companies, "profile", "--type", "json")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    err = run.json("fields", "update", companies, "profile", "--type", "date", expect=2)["error"]
    assert err["field"] == "profile"
    assert "json" in err["message"] and "date" in err["message"] and "no conversion" in err["message"]
    # Nothing was stored: the section still plans (and has nothing to do).
    assert run.json("migrations", "plan", companies)["migration"]["status"] == "up_to_date"
    field = next(f for f in run.json("sections", "show", companies)["section"]["fields"] if f["handle"] == "profile")
    assert field["field_type_handle"] == "json"
    # A convertible change is still accepted, and a field without a column yet may take any type.
    run("fields", "update", companies, "industry", "--type", "textarea")
    run("fields", "add", companies, "founded", "--type", "json")
    run("fields", "update", companies, "founded", "--type", "date")
    assert run.json("migrations", "plan", companies)["migration"]["id"] is not None


def test_the_title_field_must_be_a_field_of_the_section(run, companies):
    err = run.json("sections", "create", "other", "--title-field", "nope", expect=2)["error"]
    assert err["field"] == "title_field_handle" and "nope" in err["message"] and "no fields yet" in err["message"]
    err = run.json("sections", "update", companies, "--title-field", "nope", expect=2)["error"]
    assert "nope" in err["message"] and "company_name" in err["message"]
    assert run.json("sections", "update", companies, "--title-field", "company_name")["section"][
        "title_field_handle"] == "company_name"
    run("fields", "update", companies, "company_name", "--rename", "name")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] == "name"
    run("fields", "remove", companies, "name")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] is None


def test_the_title_field_follows_its_field_through_a_rollback(run, companies):
    run("sections", "update", companies, "--title-field", "company_name")
    run("fields", "update", companies, "company_name", "--rename", "name")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] == "name"
    run("migrations", "rollback", companies, "--yes")
    section = run.json("sections", "show", companies)["section"]
    assert "company_name" in [f["handle"] for f in section["fields"]]
    assert section["title_field_handle"] == "company_name"
    # A title field added by the rolled-back migration goes with it; the earlier title comes back.
    run("fields", "add", companies, "nickname", "--type", "text")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    run("sections", "update", companies, "--title-field", "nickname")
    run("migrations", "rollback", companies, "--yes")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] == "company_name"
    # Removing the title field clears the title; rolling the removal back restores both.
    run("fields", "remove", companies, "company_name")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] is None
    run("migrations", "rollback", companies, "--yes")
    assert run.json("sections", "show", companies)["section"]["title_field_handle"] == "company_name"


def test_a_deleted_sections_handle_can_be_used_again(run, companies):
    run("entries", "create", companies, '{"company_name": "Old Co"}')
    removal = run.json("sections", "delete", companies)["migration"]
    run("migrations", "apply", removal["id"], "--yes")
    run("sections", "create", companies, "--label", "Research Companies again")
    run("fields", "add", companies, "name", "--type", "text")
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    run("entries", "create", companies, '{"name": "New Co"}')
    entries = run.json("entries", "query", companies)["entries"]
    assert [e["name"] for e in entries] == ["New Co"]
    handles = [s["handle"] for s in run.json("sections", "list")["sections"]]
    assert companies in handles and len(handles) == 2  # the old one is kept under a retired name
    # Restoring the old section would need the handle back: refused with the reason, nothing changed.
    err = run.json("migrations", "rollback", removal["id"], "--yes", expect=None)["error"]
    assert "used by" in err["message"] or "already exists" in err["message"]
    assert [e["name"] for e in run.json("entries", "query", companies)["entries"]] == ["New Co"]


def test_names_a_plan_could_not_take_are_refused_when_given(run, companies, database_url):
    # A removed field's column stays until its migration runs: a new field of that name would not plan.
    run("fields", "remove", companies, "industry")
    err = run.json("fields", "add", companies, "industry", "--type", "integer", expect=2)["error"]
    assert err["field"] == "industry" and "still exists" in err["message"]
    run("migrations", "plan", companies)
    run("migrations", "apply", companies, "--yes")
    run("fields", "add", companies, "industry", "--type", "integer")  # free once the removal is applied
    # A table outside the content system blocks a rename to its name.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE custom.someone_elses (id int)")
    err = run.json("sections", "update", companies, "--rename", "someone_elses", expect=2)["error"]
    assert "someone_elses already exists" in err["message"]
    # Renamed and renamed back before applying: its own table keeps the name, so that is fine.
    run("sections", "update", companies, "--rename", "companies")
    run("sections", "update", "companies", "--rename", companies)
    assert run.json("migrations", "plan", companies)["migration"]["id"] is not None
