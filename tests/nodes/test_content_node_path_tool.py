"""Every node driven the way an agent's path tool drives it.

A path tool sends every argument as a string and all of them are required, so a node
gets ``"10"``, ``"true"``, JSON text, and ``""`` or ``"null"`` for what the model leaves
out. The author sets ``errors_on_success_path`` so that one result node (wired to
``true_path``) answers both outcomes, and the same node instance serves every call.
"""

from __future__ import annotations

import json
import uuid

import pytest

from content_node_harness import RESEARCH_FIELDS, build_node, run
from content_node_contract import CONTRACT, node_class

DOCK = {"errors_on_success_path": "true"}


class PathTool:
    """One node instance, called repeatedly with string arguments, answering like a result node."""

    def __init__(self, class_name: str, database_url: str):
        self.outputs = CONTRACT[class_name][2]
        self.node = build_node(node_class(class_name))
        self.dock = {**DOCK, "database_url": database_url}

    def __call__(self, **arguments) -> dict:
        for name, value in arguments.items():
            assert isinstance(value, str), f"a path tool sends text only, not {name}={value!r}"
        for name, value in {**self.dock, **arguments}.items():
            setattr(self.node, name, value)
        run(self.node)
        assert self.node.false_path is False, "with errors_on_success_path the error path stays closed"
        answer = self.node.true_path
        assert isinstance(answer, dict)
        assert json.loads(json.dumps(answer)) == answer, "the answer is plain JSON"
        for name in self.outputs:
            value = getattr(self.node, name)
            assert json.loads(json.dumps(value)) == value, f"output {name} is plain JSON"
        return answer


def ok(answer: dict) -> dict:
    assert answer["ok"] is True, answer
    return answer


def refused(answer: dict, field, *fragments) -> str:
    assert answer["ok"] is False, answer
    assert {"ok", "error", "field"} <= set(answer) <= {"ok", "error", "field", "index"}
    assert answer["field"] == field, answer
    for fragment in fragments:
        assert fragment in answer["error"], answer["error"]
    return answer["error"]


def text(value) -> str:
    return json.dumps(value)


@pytest.fixture
def tool(database_url):
    return lambda class_name: PathTool(class_name, database_url)


def test_the_whole_research_example_with_string_arguments_only(tool, database_url):
    section = ok(tool("ContentSectionCreate")(
        section_handle="research_companies", label="Research Companies", description="null", section_icon=""))
    assert section["table_name"] == "research_companies"
    uuid.UUID(section["section_id"])

    add_field = tool("ContentSectionFieldAdd")
    for spec in RESEARCH_FIELDS:
        added = ok(add_field(
            section_id="research_companies", field_handle=spec["handle"], field_label=spec["label"],
            field_type_handle=spec["field_type_handle"], field_settings=text(spec.get("field_settings") or {}),
            is_required=str(spec.get("is_required", False)).lower(), is_unique=str(spec.get("is_unique", False)).lower(),
            ui_width="", tab_name="null", help_text="null", placeholder="", default_value="null", sort_order="-1",
        ))
        assert added["field"]["handle"] == spec["handle"] and added["field"]["tab_name"] == "Content"
    scored = ok(add_field(
        section_id="research_companies", field_handle="score", field_label="", field_type_handle="integer",
        field_settings='{"min": 0, "max": 10}', is_required="false", is_unique="false", ui_width="half",
        tab_name="Scores", help_text="", placeholder="", default_value="5", sort_order="0",
    ))
    # the configuration keeps a default as JSON text: a number, not the string "5"
    assert (json.loads(scored["field"]["default_value"]), scored["field"]["sort_order"]) == (5, 0)

    plan = ok(tool("ContentMigrationGenerate")(section_id="research_companies"))
    assert "CREATE TABLE" in plan["migration_sql"] and plan["is_destructive"] is False
    refused(tool("ContentMigrationApply")(migration_id=plan["migration_id"], confirm="false", action="upgrade"),
            "action", "apply, resume, abort")
    applied = ok(tool("ContentMigrationApply")(migration_id=plan["migration_id"], confirm="false", action="null"))
    assert applied["success"] is True and applied["error_message"] is None

    create = tool("ContentEntryCreate")
    swis = ok(create(section_handle="research_companies", field_data=text(
        {"company_name": "SWIS", "uses_kubernetes": True, "kubernetes_confidence": "hoog", "score": 8})))
    batch = ok(create(section_handle="research_companies", field_data=text([
        {"company_name": "Acme", "uses_kubernetes": False, "kubernetes_confidence": "laag"},
        {"company_name": "Initech", "kubernetes_confidence": "middel"},
    ])))
    assert isinstance(swis["entry_id"], str) and len(batch["entry_id"]) == 2
    assert swis["created_data"]["score"] == 8 and swis["created_data"]["created_at"].startswith("20")

    query = tool("ContentEntryQuery")
    found = ok(query(section_handle="research_companies", filters='{"uses_kubernetes": true}',
                     order_by="", limit="10", offset="0"))
    assert [e["company_name"] for e in found["entries"]] == ["SWIS"] and found["total_count"] == 1
    everything = ok(query(section_handle="research_companies", filters="null", order_by="company_name DESC",
                          limit="null", offset=""))
    assert [e["company_name"] for e in everything["entries"]] == ["SWIS", "Initech", "Acme"]

    updated = ok(tool("ContentEntryUpdate")(section_handle="research_companies", entry_id=swis["entry_id"],
                                     field_data='{"kubernetes_confidence": "middel", "score": "9"}'))
    assert updated["updated_data"]["kubernetes_confidence"] == "middel" and updated["updated_data"]["score"] == 9

    field_id = ok(tool("ContentSectionFieldUpdate")(field_id=scored["field_id"], updates='{"label": "Score (0-10)"}'))
    assert field_id["field"]["label"] == "Score (0-10)"

    removal = ok(tool("ContentSectionFieldRemove")(section_id="research_companies", field_handle="industry"))
    assert removal["migration"]["is_destructive"] is True
    apply = tool("ContentMigrationApply")
    refused(apply(migration_id=removal["migration_id"], confirm="false", action=""), None, "confirm")
    assert apply.node.error_message and apply.node.success is False
    ok(apply(migration_id=removal["migration_id"], confirm="true", action=" Apply "))
    assert apply.node.error_message is None and apply.node.success is True

    rolled = ok(tool("ContentMigrationRollback")(migration_id=removal["migration_id"]))
    assert rolled["success"] is True

    deleted = ok(tool("ContentEntryDelete")(section_handle="research_companies", entry_id=batch["entry_id"][0]))
    assert deleted["success"] is True
    again = tool("ContentEntryDelete")(section_handle="research_companies", entry_id=batch["entry_id"][0])
    refused(again, "entry_id", "does not exist")


@pytest.fixture
def research(tool, database_url, research_section):
    return research_section


def test_a_refused_value_comes_back_on_the_success_path_naming_the_field(tool, research):
    create = tool("ContentEntryCreate")
    message = refused(create(section_handle="research_companies",
                             field_data='{"company_name": "SWIS", "kubernetes_confidence": "very"}'),
                      "kubernetes_confidence", "kubernetes_confidence")
    assert "hoog" in message  # says which values are allowed
    assert create.node.entry_id is None and create.node.created_data == {}

    batch = create(section_handle="research_companies",
                   field_data='[{"company_name": "A"}, {"company_name": "B", "uses_kubernetes": "perhaps"}]')
    refused(batch, "uses_kubernetes", "uses_kubernetes")
    assert batch["index"] == 1

    query = tool("ContentEntryQuery")
    refused(query(section_handle="research_companies", filters="", order_by="", limit="ten", offset="0"),
            "limit", "limit must be a whole number")
    refused(query(section_handle="research_companies", filters='{"company_name": {"_gt": ', order_by="",
                  limit="", offset=""), "filters", "not valid JSON")
    assert query.node.entries == [] and query.node.total_count == 0


@pytest.mark.parametrize("flag, on_success_path", [("true", True), ("1", True), ("false", False), ("", False),
                                                   ("null", False)])
def test_errors_on_success_path_takes_its_string_forms(flag, on_success_path, database_url, research):
    node = build_node(node_class("ContentEntryDelete"), section_handle="research_companies", entry_id=str(uuid.uuid4()),
                      errors_on_success_path=flag, database_url=database_url)
    run(node)
    if on_success_path:
        assert node.false_path is False and node.true_path["ok"] is False
    else:
        assert node.true_path is False and "does not exist" in node.false_path["error"]
    assert node.success is False


def test_an_unreadable_flag_is_reported_on_the_error_path(database_url, research):
    node = build_node(node_class("ContentEntryQuery"), section_handle="research_companies",
                      errors_on_success_path="perhaps", database_url=database_url)
    run(node)
    assert node.true_path is False
    assert node.false_path["error"].startswith("errors_on_success_path must be true or false")


def test_nothing_from_an_earlier_call_survives_into_the_next(tool, research, engine):
    create = tool("ContentEntryCreate")
    first = ok(create(section_handle="research_companies", field_data='[{"company_name": "A"}, {"company_name": "B"}]'))
    assert len(create.node.entry_id) == 2
    refused(create(section_handle="research_companies", field_data='{"company_name": "D", "uses_kubernetes": "x"}'),
            "uses_kubernetes")
    assert create.node.entry_id is None and create.node.created_data == {}
    single = ok(create(section_handle="research_companies", field_data='{"company_name": "C"}'))
    assert create.node.entry_id == single["entry_id"] and "index" not in single
    assert single["entry_id"] not in first["entry_id"]

    single["created_data"]["company_name"] = "changed by a later node"
    assert create.node.created_data["company_name"] == "C", "outputs are not shared with the result"

    query = tool("ContentEntryQuery")
    ok(query(section_handle="research_companies", filters='{"company_name": "A"}', order_by="", limit="", offset=""))
    assert [e["company_name"] for e in query.node.entries] == ["A"]
    refused(query(section_handle="nope", filters="", order_by="", limit="", offset=""), "section_handle", "nope")
    assert query.node.entries == [] and query.node.total_count == 0
    second = ok(query(section_handle="research_companies", filters="", order_by="company_name", limit="2",
                      offset="1"))
    assert [e["company_name"] for e in second["entries"]] == ["B", "C"] and second["total_count"] == 3

    update = tool("ContentEntryUpdate")
    ok(update(section_handle="research_companies", entry_id=single["entry_id"], field_data='{"industry": "x"}'))
    refused(update(section_handle="research_companies", entry_id=str(uuid.uuid4()), field_data='{"industry": "y"}'),
            "entry_id")
    assert update.node.success is False and update.node.updated_data == {}


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_every_input_of_every_node_takes_null_text(class_name, database_url, research):
    """``"null"`` for every input is 'not given': the node answers with a clear error, never a crash."""
    instance = build_node(node_class(class_name))
    for name in node_class(class_name).__node_variable_settings__:
        settings = node_class(class_name).__node_variable_settings__[name]
        if settings.get("has_in"):
            setattr(instance, name, "null")
    instance.database_url = database_url
    instance.errors_on_success_path = "true"
    run(instance)
    answer = instance.true_path
    assert instance.false_path is False and answer["ok"] is False, answer
    assert answer["error"].endswith("is required") or " is empty: " in answer["error"], answer
    assert answer["field"] in CONTRACT[class_name][1]


def test_changes_by_filters_with_string_arguments_count_first_then_confirm(tool, research, engine):
    for name in ("A", "B", "C"):
        engine.create_entry("research_companies", {"company_name": name, "uses_kubernetes": name != "C"})
    update = tool("ContentEntryUpdate")
    counted = ok(update(section_handle="research_companies", entry_id="null", filters='{"uses_kubernetes": true}',
                        field_data='{"industry": "Cloud"}', confirm="false"))
    assert (counted["matched"], counted["updated_count"], counted["success"]) == (2, 0, False)
    changed = ok(update(section_handle="research_companies", entry_id="", filters='{"uses_kubernetes": true}',
                        field_data='{"industry": "Cloud"}', confirm="true"))
    assert (changed["matched"], changed["updated_count"], changed["success"]) == (2, 2, True)
    assert update.node.updated_count == 2 and update.node.updated_data == {}
    one = engine.query_entries("research_companies", filters={"company_name": "C"})["entries"][0]
    single = ok(update(section_handle="research_companies", entry_id=one["id"], filters="null",
                       field_data='{"industry": "Retail"}', confirm="null"))
    assert update.node.updated_count == 1 and update.node.updated_data["industry"] == "Retail"
    assert "matched" not in single
    refused(update(section_handle="research_companies", entry_id=one["id"], filters='{"company_name": "C"}',
                   field_data='{"industry": "x"}', confirm="true"), "filters", "not both")
    assert update.node.updated_count == 0 and update.node.success is False

    delete = tool("ContentEntryDelete")
    counted = ok(delete(section_handle="research_companies", entry_id="null", filters='{"industry": "Cloud"}',
                        confirm="false"))
    assert (counted["matched"], counted["deleted_count"]) == (2, 0)
    ok(delete(section_handle="research_companies", entry_id="", filters='{"industry": "Cloud"}', confirm="true"))
    assert delete.node.deleted_count == 2
    assert engine.query_entries("research_companies")["total_count"] == 1
