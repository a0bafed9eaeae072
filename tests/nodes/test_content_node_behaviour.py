"""Each node against a real PostgreSQL: success, failure, stale outputs, event loops, URLs."""

from __future__ import annotations

import uuid

import pytest

from content_node_harness import NO_URL_MESSAGE, build_node, run
from content_event_support import event_inputs
from content_node_contract import CONTRACT, node_class, outputs_of

EMPTY = {
    "ContentSectionCreate": {"section_id": "", "table_name": "", "migration_id": None},
    "ContentSectionFieldAdd": {"field_id": "", "migration_id": None},
    "ContentSectionFieldRemove": {"migration_id": None},
    "ContentSectionFieldUpdate": {"migration_id": None},
    "ContentMigrationGenerate": {"migration_sql": "", "migration_id": None, "is_destructive": False, "warnings": []},
    "ContentMigrationApply": {"success": False},
    "ContentMigrationRollback": {"success": False},
    "ContentSchemaApply": {"applied": False, "changes": False, "summary": ""},
    "ContentEntryCreate": {"entry_id": None, "created_data": {}},
    "ContentEntryUpdate": {"success": False, "updated_data": {}, "updated_count": 0},
    "ContentEntryQuery": {"entries": [], "total_count": 0, "related_titles": {}},
    "ContentEntryDelete": {"success": False, "deleted_count": 0},
    "ContentEntryHistory": {"versions": [], "version_count": 0},
    "ContentEntryRestore": {"success": False, "restored_data": {}, "restore_run_id": None},
    "ContentRunUndo": {"success": False, "changes": [], "conflict_count": 0, "undo_run_id": None},
    "ContentEventsPoll": {"events": [], "event_count": 0},
    "ContentEventsAck": {"acknowledged_count": 0, "not_pending": []},
    "ContentEventReceive": {"event": {}, "event_id": None, "event_type": "", "section": "", "entry_id": None,
                            "entry": {}, "previous": {}, "changed": [], "event_run_id": None, "actor": None,
                            "source": None},
}


def node(class_name, **inputs):
    return build_node(node_class(class_name), **inputs)


def succeeded(instance):
    assert instance.false_path is False, instance.false_path
    assert isinstance(instance.true_path, dict)
    return instance


def failed(instance, *fragments):
    assert instance.true_path is False
    assert set(instance.false_path) == {"error"}
    message = instance.false_path["error"]
    for fragment in fragments:
        assert fragment in message, message
    class_name = type(instance).__name__
    for name, empty in EMPTY[class_name].items():
        assert getattr(instance, name) == empty, f"{class_name}.{name} not reset"
    if class_name in ("ContentMigrationApply", "ContentMigrationRollback"):
        assert instance.error_message == message
    return message


def swis(**extra):
    return {"company_name": "SWIS", "uses_kubernetes": True, "kubernetes_confidence": "hoog", **extra}


# -- sections and fields --------------------------------------------------------------
def test_section_create_success_and_failures(database_url):
    created = succeeded(run(node("ContentSectionCreate", section_handle="products", label="Products", database_url=database_url)))
    assert created.table_name == "products"
    uuid.UUID(created.section_id)
    uuid.UUID(created.migration_id)
    assert created.true_path["section"]["handle"] == "products"
    assert created.true_path["migration"]["status"] == "generated"

    failed(run(node("ContentSectionCreate", section_handle="products", label="Again", database_url=database_url)), "products")
    failed(run(node("ContentSectionCreate", section_handle="Bad Handle", label="Bad", database_url=database_url)))
    failed(run(node("ContentSectionCreate", section_handle="", label="Nothing", database_url=database_url)), "section_handle is required")


def test_section_field_add_success_and_failures(database_url, engine):
    section = engine.create_section("products", "Products")
    added = succeeded(run(node(
        "ContentSectionFieldAdd", section_id=section["id"], field_handle="title", field_label="Title",
        field_type_handle="text", field_settings={"maxLength": 80}, is_required=True, ui_width="half",
        tab_name="Main", help_text="The product name", placeholder="Name", database_url=database_url,
    )))
    field = added.true_path["field"]
    assert field["id"] == added.field_id and field["handle"] == "title"
    assert (field["ui_width"], field["tab_name"], field["help_text"], field["placeholder"]) == ("half", "Main", "The product name", "Name")
    assert field["is_required"] is True and field["field_settings"]["maxLength"] == 80
    assert added.migration_id and "title" in added.true_path["migration"]["sql"]

    by_handle = succeeded(run(node(
        "ContentSectionFieldAdd", section_id="products", field_handle="in_stock", field_type_handle="boolean",
        default_value=True, sort_order=0, database_url=database_url,
    )))
    assert by_handle.true_path["field"]["sort_order"] == 0
    assert by_handle.true_path["field"]["label"]

    message = failed(run(node(
        "ContentSectionFieldAdd", section_id=section["id"], field_handle="weird", field_type_handle="no_such_type",
        database_url=database_url,
    )), "no_such_type")
    assert "text" in message  # lists the known types
    failed(run(node(
        "ContentSectionFieldAdd", section_id=section["id"], field_handle="title", field_type_handle="text",
        database_url=database_url,
    )), "already exists")
    failed(run(node(
        "ContentSectionFieldAdd", section_id=str(uuid.uuid4()), field_handle="x", field_type_handle="text",
        database_url=database_url,
    )))
    failed(run(node(
        "ContentSectionFieldAdd", section_id=section["id"], field_handle="x", field_type_handle="text",
        ui_width="huge", database_url=database_url,
    )), "ui_width")
    failed(run(node(
        "ContentSectionFieldAdd", section_id="", field_handle="x", field_type_handle="text", database_url=database_url,
    )), "section_id is required")


def test_section_field_remove_success_and_failures(database_url, research_section):
    removed = succeeded(run(node(
        "ContentSectionFieldRemove", section_id="research_companies", field_handle="industry", database_url=database_url,
    )))
    plan = removed.true_path["migration"]
    assert removed.migration_id == plan["id"]
    assert plan["is_destructive"] is True and plan["warnings"]
    assert removed.true_path["field"]["handle"] == "industry"

    failed(run(node(
        "ContentSectionFieldRemove", section_id="research_companies", field_handle="industry", database_url=database_url,
    )), "industry")
    failed(run(node(
        "ContentSectionFieldRemove", section_id="research_companies", field_handle="", database_url=database_url,
    )), "field_handle is required")


def test_section_field_update_success_and_failures(database_url, research_section):
    industry = research_section["fields"]["industry"]
    label_only = succeeded(run(node(
        "ContentSectionFieldUpdate", field_id=industry["id"], updates={"label": "Sector"}, database_url=database_url,
    )))
    assert label_only.true_path["field"]["label"] == "Sector"
    assert label_only.migration_id is None, "a label change needs no table change"

    required = succeeded(run(node(
        "ContentSectionFieldUpdate", field_id=industry["id"], updates={"is_required": True}, database_url=database_url,
    )))
    assert required.migration_id
    assert "SET NOT NULL" in required.true_path["migration"]["sql"]

    failed(run(node(
        "ContentSectionFieldUpdate", field_id=industry["id"], updates={"colour": "red"}, database_url=database_url,
    )), "colour")
    failed(run(node(
        "ContentSectionFieldUpdate", field_id=industry["id"], updates={}, database_url=database_url,
    )), "updates is empty")
    failed(run(node(
        "ContentSectionFieldUpdate", field_id=str(uuid.uuid4()), updates={"label": "X"}, database_url=database_url,
    )))


# -- migrations ---------------------------------------------------------------------------
def test_migration_generate_success_nothing_to_do_and_failure(database_url, research_section, engine):
    up_to_date = succeeded(run(node("ContentMigrationGenerate", section_id="research_companies", database_url=database_url)))
    assert up_to_date.migration_id is None
    assert "nothing to migrate" in up_to_date.migration_sql.lower()
    assert up_to_date.is_destructive is False

    field = research_section["fields"]["company_name"]
    run(node("ContentSectionFieldUpdate", field_id=field["id"], updates={"field_settings": {"maxLength": 50}},
             database_url=database_url))
    narrowing = succeeded(run(node("ContentMigrationGenerate", section_id="research_companies", database_url=database_url)))
    assert narrowing.migration_id and "character varying(50)" in narrowing.migration_sql
    assert narrowing.warnings and all(isinstance(w, str) for w in narrowing.warnings)
    assert narrowing.true_path["migration"]["down_sql"] and narrowing.true_path["migration"]["prechecks"]

    engine.remove_field("research_companies", "industry")
    dropping = succeeded(run(node("ContentMigrationGenerate", section_id="research_companies", database_url=database_url)))
    assert dropping.is_destructive is True and dropping.migration_id != narrowing.migration_id
    assert any("industry" in warning for warning in dropping.warnings)

    failed(run(node("ContentMigrationGenerate", section_id="no_such_section", database_url=database_url)), "no_such_section")
    failed(run(node("ContentMigrationGenerate", section_id=None, database_url=database_url)), "section_id is required")


def test_migration_apply_refusals_and_success(database_url, research_section):
    removed = run(node("ContentSectionFieldRemove", section_id="research_companies", field_handle="industry",
                       database_url=database_url))
    message = failed(run(node("ContentMigrationApply", migration_id=removed.migration_id, database_url=database_url)), "confirm")
    assert "destructive" in message
    refused_string = run(node("ContentMigrationApply", migration_id=removed.migration_id, confirm="false",
                              database_url=database_url))
    failed(refused_string, "confirm")

    applied = succeeded(run(node("ContentMigrationApply", migration_id=removed.migration_id, confirm="true",
                                 database_url=database_url)))
    assert applied.success is True and applied.error_message is None
    assert applied.true_path["migration_id"] == removed.migration_id

    failed(run(node("ContentMigrationApply", migration_id=removed.migration_id, confirm=True, database_url=database_url)))
    failed(run(node("ContentMigrationApply", migration_id=str(uuid.uuid4()), confirm=True, database_url=database_url)))
    failed(run(node("ContentMigrationApply", migration_id="", database_url=database_url)), "migration_id is required")
    failed(run(node("ContentMigrationApply", migration_id="x", confirm="perhaps", database_url=database_url)),
           "confirm must be true or false")


def test_migration_apply_refuses_a_superseded_plan(database_url, engine):
    section = engine.create_section("notes", "Notes")
    first = run(node("ContentSectionFieldAdd", section_id=section["id"], field_handle="title", field_type_handle="text",
                     database_url=database_url))
    second = run(node("ContentSectionFieldAdd", section_id=section["id"], field_handle="body", field_type_handle="textarea",
                      database_url=database_url))
    assert first.migration_id != second.migration_id
    failed(run(node("ContentMigrationApply", migration_id=first.migration_id, confirm=True, database_url=database_url)),
           "superseded")
    succeeded(run(node("ContentMigrationApply", migration_id=second.migration_id, confirm=True, database_url=database_url)))


def test_migration_rollback_success_and_failures(database_url, research_section):
    added = run(node("ContentSectionFieldAdd", section_id="research_companies", field_handle="website",
                     field_type_handle="url", database_url=database_url))
    failed(run(node("ContentMigrationRollback", migration_id=added.migration_id, database_url=database_url)))
    succeeded(run(node("ContentMigrationApply", migration_id=added.migration_id, database_url=database_url)))

    rolled_back = succeeded(run(node("ContentMigrationRollback", migration_id=added.migration_id, database_url=database_url)))
    assert rolled_back.success is True and rolled_back.error_message is None
    assert rolled_back.true_path["migration"]["status"] == "rolled_back"

    failed(run(node("ContentMigrationRollback", migration_id=added.migration_id, database_url=database_url)))
    failed(run(node("ContentMigrationRollback", migration_id=str(uuid.uuid4()), database_url=database_url)))
    failed(run(node("ContentMigrationRollback", migration_id=" ", database_url=database_url)), "migration_id is required")


# -- entries ----------------------------------------------------------------------------------
def test_entry_create_single_batch_and_failures(database_url, research_section):
    single = succeeded(run(node("ContentEntryCreate", section_handle="research_companies", field_data=swis(),
                                database_url=database_url)))
    uuid.UUID(single.entry_id)
    assert single.created_data["company_name"] == "SWIS"

    batch = succeeded(run(node(
        "ContentEntryCreate", section_handle="research_companies",
        field_data=[{"company_name": "Acme"}, {"company_name": "Globex", "uses_kubernetes": False}],
        database_url=database_url,
    )))
    assert isinstance(batch.entry_id, list) and len(batch.entry_id) == 2
    assert [e["company_name"] for e in batch.created_data] == ["Acme", "Globex"]
    assert batch.true_path["entry_id"] == batch.entry_id

    failed(run(node("ContentEntryCreate", section_handle="research_companies", field_data={"industry": "Retail"},
                    database_url=database_url)), "company_name")
    failed(run(node("ContentEntryCreate", section_handle="research_companies", field_data=swis(),
                    database_url=database_url)), "company_name")  # unique
    failed(run(node("ContentEntryCreate", section_handle="research_companies",
                    field_data=swis(company_name="Other", kubernetes_confidence="enorm"),
                    database_url=database_url)), "kubernetes_confidence")
    failed(run(node("ContentEntryCreate", section_handle="research_companies",
                    field_data=[{"company_name": "Fine"}, {"industry": "no name"}],
                    database_url=database_url)), "company_name")
    failed(run(node("ContentEntryCreate", section_handle="no_such_section", field_data=swis(),
                    database_url=database_url)), "no_such_section")


def test_entry_create_before_the_table_exists(database_url, engine):
    section = engine.create_section("drafts", "Drafts")
    engine.add_field(section["id"], "title", "Title", "text")
    failed(run(node("ContentEntryCreate", section_handle="drafts", field_data={"title": "x"}, database_url=database_url)))


def test_entry_update_success_and_failures(database_url, research_section, engine):
    entry = engine.create_entry("research_companies", swis())
    updated = succeeded(run(node("ContentEntryUpdate", section_handle="research_companies", entry_id=entry["id"],
                                 field_data={"industry": "Hosting"}, database_url=database_url)))
    assert updated.success is True
    assert updated.updated_data["industry"] == "Hosting" and updated.updated_data["company_name"] == "SWIS"
    assert updated.true_path["entry_id"] == entry["id"]

    failed(run(node("ContentEntryUpdate", section_handle="research_companies", entry_id=str(uuid.uuid4()),
                    field_data={"industry": "x"}, database_url=database_url)))
    failed(run(node("ContentEntryUpdate", section_handle="research_companies", entry_id=entry["id"],
                    field_data={"no_such_field": 1}, database_url=database_url)), "no_such_field")
    failed(run(node("ContentEntryUpdate", section_handle="research_companies", entry_id=entry["id"],
                    field_data={"uses_kubernetes": "certainly"}, database_url=database_url)), "uses_kubernetes")


def test_entry_query_success_paging_and_failures(database_url, research_section, engine):
    engine.create_entries("research_companies", [
        swis(company_name=f"Company {i}", uses_kubernetes=i % 2 == 0) for i in range(5)
    ])
    page = succeeded(run(node("ContentEntryQuery", section_handle="research_companies", filters={"uses_kubernetes": True},
                              order_by="company_name ASC", limit=2, offset=1, database_url=database_url)))
    assert page.total_count == 3
    assert [e["company_name"] for e in page.entries] == ["Company 2", "Company 4"]
    assert page.true_path["limit"] == 2 and page.true_path["offset"] == 1

    everything = succeeded(run(node("ContentEntryQuery", section_handle="research_companies", filters=[], order_by="",
                                    limit=0, database_url=database_url)))
    assert everything.total_count == 5 and len(everything.entries) == 5

    failed(run(node("ContentEntryQuery", section_handle="research_companies", filters={"no_such_field": 1},
                    database_url=database_url)), "no_such_field")
    failed(run(node("ContentEntryQuery", section_handle="research_companies", order_by="no_such_field DESC",
                    database_url=database_url)), "no_such_field")
    failed(run(node("ContentEntryQuery", section_handle="research_companies", limit="many",
                    database_url=database_url)), "limit must be a whole number")


def test_entry_delete_success_and_failures(database_url, research_section, engine):
    entry = engine.create_entry("research_companies", swis())
    deleted = succeeded(run(node("ContentEntryDelete", section_handle="research_companies", entry_id=entry["id"],
                                 database_url=database_url)))
    assert deleted.success is True and deleted.true_path["entry_id"] == entry["id"]
    failed(run(node("ContentEntryDelete", section_handle="research_companies", entry_id=entry["id"],
                    database_url=database_url)), "does not exist")
    failed(run(node("ContentEntryDelete", section_handle="research_companies", entry_id="",
                    database_url=database_url)), "entry_id is required")


# -- protocol -------------------------------------------------------------------------------
def test_every_node_runs_in_two_event_loops(database_url, research_section, engine):
    """The same instance executed twice, each time under a new asyncio.run loop."""
    url = database_url
    fields = research_section["fields"]
    entries = engine.create_entries("research_companies", [swis(company_name=n) for n in ("A", "B", "C", "D")])
    ids = [e["id"] for e in entries]

    def twice(class_name, first: dict, second: dict, check):
        instance = node(class_name, database_url=url, **first)
        succeeded(run(instance))
        assert check(instance), f"{class_name}: unexpected outputs after the first run"
        for name, value in second.items():
            setattr(instance, name, value)
        succeeded(run(instance))
        assert check(instance), f"{class_name}: unexpected outputs after the second run (same instance, new loop)"

    twice("ContentSectionCreate", {"section_handle": "one", "label": "One"}, {"section_handle": "two", "label": "Two"},
          lambda n: n.section_id and n.migration_id)
    twice("ContentSectionFieldAdd", {"section_id": "one", "field_handle": "a", "field_type_handle": "text"},
          {"field_handle": "b"}, lambda n: n.field_id and n.migration_id)
    twice("ContentSectionFieldUpdate", {"field_id": fields["industry"]["id"], "updates": {"label": "X"}},
          {"updates": {"label": "Y"}}, lambda n: n.migration_id is None)
    twice("ContentSectionFieldRemove", {"section_id": "one", "field_handle": "a"}, {"field_handle": "b"},
          lambda n: n.migration_id)
    twice("ContentMigrationGenerate", {"section_id": "research_companies"}, {"section_id": "one"},
          lambda n: isinstance(n.migration_sql, str))
    one = engine.plan_migration("one")["id"]
    two = engine.plan_migration("two")["id"]
    twice("ContentMigrationApply", {"migration_id": one, "confirm": True}, {"migration_id": two}, lambda n: n.success)
    twice("ContentMigrationRollback", {"migration_id": one}, {"migration_id": two}, lambda n: n.success)
    twice("ContentEntryCreate", {"section_handle": "research_companies", "field_data": swis(company_name="E")},
          {"field_data": swis(company_name="F")}, lambda n: n.entry_id)
    twice("ContentEntryUpdate", {"section_handle": "research_companies", "entry_id": ids[0], "field_data": {"industry": "1"}},
          {"field_data": {"industry": "2"}}, lambda n: n.success)
    twice("ContentEntryQuery", {"section_handle": "research_companies"}, {"filters": {"company_name": "A"}},
          lambda n: n.total_count >= 1)
    twice("ContentEntryDelete", {"section_handle": "research_companies", "entry_id": ids[1]}, {"entry_id": ids[2]},
          lambda n: n.success)


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_failure_resets_outputs_of_an_earlier_run(class_name, database_url, research_section, engine):
    """Run once successfully, then fail: no output of the first run may survive."""
    url = database_url
    entry = engine.create_entry("research_companies", swis())
    field = research_section["fields"]["industry"]
    plan_id = None
    if class_name in ("ContentMigrationApply", "ContentMigrationRollback"):
        engine.update_field(field["id"], {"is_unique": True})
        plan_id = engine.plan_migration("research_companies")["id"]
    good = {
        "ContentSectionCreate": {"section_handle": "fresh", "label": "Fresh"},
        "ContentSectionFieldAdd": {"section_id": "research_companies", "field_handle": "extra", "field_type_handle": "text"},
        "ContentSectionFieldRemove": {"section_id": "research_companies", "field_handle": "industry"},
        "ContentSectionFieldUpdate": {"field_id": field["id"], "updates": {"is_unique": True}},
        "ContentMigrationGenerate": {"section_id": "research_companies"},
        "ContentMigrationApply": {"migration_id": plan_id, "confirm": True},
        "ContentMigrationRollback": {"migration_id": plan_id},
        "ContentSchemaApply": {"schema": engine.export_schema()},
        "ContentEntryCreate": {"section_handle": "research_companies", "field_data": swis(company_name="Fresh")},
        "ContentEntryUpdate": {"section_handle": "research_companies", "entry_id": entry["id"], "field_data": {"industry": "x"}},
        "ContentEntryQuery": {"section_handle": "research_companies"},
        "ContentEntryDelete": {"section_handle": "research_companies", "entry_id": entry["id"]},
        "ContentEntryHistory": {"section_handle": "research_companies", "entry_id": entry["id"]},
        "ContentEntryRestore": {"section_handle": "research_companies", "entry_id": entry["id"],
                                "history_version": engine.entry_history("research_companies", entry["id"])["versions"][0]["version"],
                                "confirm": True},
        "ContentRunUndo": {"run_to_undo": entry.run_id},
        **event_inputs(class_name, engine),
    }[class_name]
    instance = node(class_name, database_url=url, **good)
    if class_name == "ContentMigrationRollback":
        engine.apply_migration(plan_id, confirm=True)
    if class_name == "ContentMigrationGenerate":
        engine.update_field(field["id"], {"is_unique": True})
    succeeded(run(instance))
    assert any(getattr(instance, name) not in (None, "", [], {}, False, 0) for name in outputs_of(class_name))

    first_input = CONTRACT[class_name][1][0]
    setattr(instance, first_input, "")  # every node's first input is required
    failed(run(instance), f"{first_input} is required")
    assert instance.true_path is False


# -- database URL resolution ---------------------------------------------------------------------
def test_sections_database_url_env_is_used_when_the_input_is_empty(database_url, monkeypatch):
    monkeypatch.setenv("SECTIONS_DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=1")
    created = succeeded(run(node("ContentSectionCreate", section_handle="from_env", label="From env", database_url="")))
    assert created.table_name == "from_env"


def test_database_url_env_is_the_last_fallback(database_url, monkeypatch):
    monkeypatch.delenv("SECTIONS_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    created = succeeded(run(node("ContentSectionCreate", section_handle="from_database_url", label="From env", database_url=None)))
    assert created.table_name == "from_database_url"


def test_the_input_wins_over_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("SECTIONS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=1")
    created = succeeded(run(node("ContentSectionCreate", section_handle="explicit", label="Explicit", database_url=database_url)))
    assert created.table_name == "explicit"


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_no_url_anywhere_fails_with_a_message_that_says_so(class_name, no_database_env):
    instance = node(class_name)
    run(instance)
    assert failed(instance) == NO_URL_MESSAGE


def test_unresolved_secret_placeholders_are_reported(no_database_env):
    missing = run(node("ContentEntryQuery", section_handle="x", database_url="<SECRET::NOT::FOUND>"))
    assert "secret it refers to was not found" in failed(missing)
    raw = run(node("ContentEntryQuery", section_handle="x", database_url="<secret:CONTENT_DB>"))
    assert "<secret:CONTENT_DB>" in failed(raw)


# -- JSON inputs in the shapes the runtime delivers ------------------------------------------------
def test_json_inputs_accept_strings_empty_lists_and_dock_pairs(database_url, engine):
    url = database_url
    engine.create_section("catalog", "Catalog")
    as_string = succeeded(run(node("ContentSectionFieldAdd", section_id="catalog", field_handle="title",
                                   field_type_handle="text", field_settings='{"maxLength": 120}', is_required="true",
                                   database_url=url)))
    assert as_string.true_path["field"]["field_settings"]["maxLength"] == 120
    assert as_string.true_path["field"]["is_required"] is True
    as_empty = succeeded(run(node("ContentSectionFieldAdd", section_id="catalog", field_handle="notes",
                                  field_type_handle="textarea", field_settings=[], database_url=url)))
    assert as_empty.field_id
    as_pairs = succeeded(run(node("ContentSectionFieldAdd", section_id="catalog", field_handle="grade",
                                  field_type_handle="select",
                                  field_settings=[{"handle": "options", "value": '["a", "b", "c"]'}],
                                  database_url=url)))
    assert as_pairs.true_path["field"]["field_settings"]["options"] == ["a", "b", "c"]
    updated = succeeded(run(node("ContentSectionFieldUpdate", field_id=as_empty.field_id,
                                 updates=[{"handle": "label", "value": "Remarks"}], database_url=url)))
    assert updated.true_path["field"]["label"] == "Remarks"
    updated = succeeded(run(node("ContentSectionFieldUpdate", field_id=as_empty.field_id,
                                 updates='{"help_text": "Anything else"}', database_url=url)))
    assert updated.true_path["field"]["help_text"] == "Anything else"
    engine.apply_migration(engine.plan_migration("catalog")["id"], confirm=True)

    first = succeeded(run(node("ContentEntryCreate", section_handle="catalog",
                               field_data='{"title": "Lamp", "grade": "a"}', database_url=url)))
    second = succeeded(run(node("ContentEntryCreate", section_handle="catalog",
                                field_data=[{"handle": "title", "value": "Desk"}, {"handle": "grade", "value": "b"}],
                                database_url=url)))
    batch = succeeded(run(node("ContentEntryCreate", section_handle="catalog",
                               field_data='[{"title": "Chair"}, {"title": "Shelf", "grade": "a"}]', database_url=url)))
    assert second.created_data["title"] == "Desk" and len(batch.entry_id) == 2
    succeeded(run(node("ContentEntryUpdate", section_handle="catalog", entry_id=first.entry_id,
                       field_data='{"notes": "bright"}', database_url=url)))

    by_string = succeeded(run(node("ContentEntryQuery", section_handle="catalog", filters='{"grade": "a"}', database_url=url)))
    by_pairs = succeeded(run(node("ContentEntryQuery", section_handle="catalog",
                                  filters=[{"handle": "grade", "value": "a"}], database_url=url)))
    unfiltered = succeeded(run(node("ContentEntryQuery", section_handle="catalog", filters=[], database_url=url)))
    assert by_string.total_count == by_pairs.total_count == 2
    assert unfiltered.total_count == 4
    assert by_string.entries == by_pairs.entries


@pytest.mark.parametrize(
    "class_name, inputs, name",
    [
        ("ContentSectionFieldAdd", {"section_id": "s", "field_handle": "f", "field_type_handle": "text",
                             "field_settings": '{"maxLength": '}, "field_settings"),
        ("ContentSectionFieldUpdate", {"field_id": "00000000-0000-0000-0000-000000000000", "updates": "{label: x}"}, "updates"),
        ("ContentEntryCreate", {"section_handle": "s", "field_data": '{"title": "x",}'}, "field_data"),
        ("ContentEntryUpdate", {"section_handle": "s", "entry_id": "e", "field_data": "not json"}, "field_data"),
        ("ContentEntryQuery", {"section_handle": "s", "filters": "[1, 2"}, "filters"),
    ],
)
def test_bad_json_strings_name_the_input(class_name, inputs, name, database_url):
    message = failed(run(node(class_name, database_url=database_url, **inputs)))
    assert message.startswith(f"{name} is not valid JSON"), message


def test_update_and_delete_by_filters_need_confirm(database_url):
    """ContentEntryUpdate / ContentEntryDelete take filters instead of entry_id; without confirm they
    only count the matching entries."""
    from polysynergy_nodes_content.content_engine.engine import ContentEngine

    engine = ContentEngine(database_url)
    engine.install()
    section = engine.create_section("notes", "Notes")
    engine.add_field(section["id"], "title", "Title", "text", is_required=True)
    engine.add_field(section["id"], "status", "Status", "select", {"options": ["draft", "done"]})
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    engine.create_entries("notes", [{"title": f"n{i}", "status": "draft"} for i in range(3)])
    common = {"section_handle": "notes", "database_url": database_url}
    counted = succeeded(run(node("ContentEntryUpdate", **common, filters={"status": "draft"},
                                 field_data={"status": "done"})))
    assert counted.success is False and counted.updated_count == 0 and counted.true_path["matched"] == 3
    changed = succeeded(run(node("ContentEntryUpdate", **common, filters='{"status": "draft"}',
                                 field_data={"status": "done"}, confirm="true")))
    assert changed.success is True and changed.updated_count == 3 and changed.updated_data == {}
    counted = succeeded(run(node("ContentEntryDelete", **common, filters={"status": "done"})))
    assert counted.success is False and counted.deleted_count == 0 and counted.true_path["matched"] == 3
    deleted = succeeded(run(node("ContentEntryDelete", **common, filters={"status": "done"}, confirm=True)))
    assert deleted.success is True and deleted.deleted_count == 3
    assert engine.query_entries("notes")["total_count"] == 0
    failed(run(node("ContentEntryDelete", **common, entry_id=str(uuid.uuid4()), filters={"status": "done"})),
           "give entry_id or filters, not both")


def test_query_with_fields_search_and_count(database_url):
    """ContentEntryQuery passes fields, search and count through (strings, as a path tool sends)."""
    from polysynergy_nodes_content.content_engine.engine import ContentEngine

    engine = ContentEngine(database_url)
    engine.install()
    people = engine.create_section("people", "People")
    engine.add_field(people["id"], "name", "Name", "text", is_required=True)
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    notes = engine.create_section("memos", "Memos")
    engine.add_field(notes["id"], "title", "Title", "text", is_required=True)
    engine.add_field(notes["id"], "writer", "Writer", "relation", {"targetSection": "people"})
    engine.apply_migration(engine.plan_migration(notes["id"])["id"], confirm=True)
    engine.update_section("memos", {"search_fields": ["title"]})
    ada = engine.create_entry("people", {"name": "Ada"})
    engine.create_entries("memos", [{"title": "kubernetes notes", "writer": ada["id"]}, {"title": "garden"}])
    common = {"section_handle": "memos", "database_url": database_url}
    found = succeeded(run(node("ContentEntryQuery", **common, fields="title, writer.name", search="kubernetes", count="none")))
    assert found.total_count == -1 and found.true_path["count"] == "none"
    assert found.entries == [{"id": found.entries[0]["id"], "title": "kubernetes notes",
                              "writer": {"id": ada["id"], "name": "Ada"}}]
    estimated = succeeded(run(node("ContentEntryQuery", **common, count="estimated")))
    assert estimated.true_path["count"] == "estimated" and isinstance(estimated.total_count, int)
    failed(run(node("ContentEntryQuery", **common, count="roughly")), "count must be one of")
