"""Node writes in the entry history: source ``node``, the flow run's id (``self.context.run_id``)
and the node's id, so undoing the flow run's id undoes what every node of that run did."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from content_node_harness import REAL_RUNTIME, build_node, run
from content_node_contract import node_class


def flow_node(class_name, node_id: str, run_id: str, **inputs):
    """A node as a flow run builds it: its id, and the run's context (whose ``run_id`` the runtime sets)."""
    instance = build_node(node_class(class_name), **inputs)
    instance.id = node_id
    instance.context = SimpleNamespace(run_id=run_id)
    return instance


def test_node_writes_carry_the_flow_run_id_and_node_id(database_url, engine, research_section):
    created = run(flow_node("ContentEntryCreate", "n-create", "flow-run-7", section_handle="research_companies",
                            field_data={"company_name": "SWIS"}, database_url=database_url))
    assert created.false_path is False, created.false_path
    updated = run(flow_node("ContentEntryUpdate", "n-update", "flow-run-7", section_handle="research_companies",
                            entry_id=created.entry_id, field_data={"industry": "IT"}, database_url=database_url))
    assert updated.false_path is False, updated.false_path
    versions = engine.entry_history("research_companies", created.entry_id)["versions"]
    assert [(v["op"], v["run_id"], v["context"]["source"], v["context"]["node_id"]) for v in versions] == [
        ("update", "flow-run-7", "node", "n-update"), ("insert", "flow-run-7", "node", "n-create")]
    # Undoing the flow run's id undoes what both nodes did: the entry is gone again.
    assert engine.undo_run("flow-run-7", confirm=True)["reverted"] == 1
    assert engine.query_entries("research_companies")["total_count"] == 0


@pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")
def test_a_real_flow_runs_writes_carry_its_run_id(database_url, monkeypatch, no_database_env, engine):
    """The real runtime's code generation and mock start (run id ``run-1``): the entry the
    flow's Entry Create node made is recorded under the flow run's id and that node's id."""
    from test_content_node_real_flow import run_flow

    state, _, _ = run_flow(database_url, monkeypatch)
    entry_id = state.get_node_by_id("n-entry").entry_id
    changes = engine.run_changes("run-1")["changes"]
    assert [(c["section"], c["entry_id"], c["op"]) for c in changes] == [("flow_companies", entry_id, "insert")]
    assert changes[0]["context"]["source"] == "node" and changes[0]["context"]["node_id"] == "n-entry"
    assert engine.undo_run("run-1", confirm=True)["reverted"] == 1
    assert engine.query_entries("flow_companies")["total_count"] == 0


def test_a_node_outside_a_flow_run_gets_a_run_id_per_write(database_url, engine, research_section):
    created = run(build_node(node_class("ContentEntryCreate"), section_handle="research_companies",
                             field_data={"company_name": "Acme"}, database_url=database_url))
    version = engine.entry_history("research_companies", created.entry_id)["versions"][0]
    assert version["context"]["source"] == "node" and version["run_id"]
    assert "node_id" not in version["context"]


def node(class_name, **inputs):
    return run(build_node(node_class(class_name), **inputs))


def test_entry_history_node_outputs_the_versions(database_url, engine, research_section):
    entry = engine.create_entry("research_companies", {"company_name": "SWIS"})
    engine.update_entry("research_companies", entry["id"], {"industry": "IT"})
    history = node("ContentEntryHistory", section_handle="research_companies", entry_id=entry["id"], limit="1",
                   database_url=database_url)
    assert history.false_path is False, history.false_path
    assert history.version_count == 1 and history.versions[0]["op"] == "update"
    assert history.versions[0]["changes"] == {"industry": {"old": None, "new": "IT"}}
    assert history.true_path["entry_id"] == entry["id"]
    refused = node("ContentEntryHistory", section_handle="research_companies", entry_id=entry["id"], limit=0,
                   database_url=database_url)
    assert "limit must be from 1 to 1000" in refused.false_path["error"] and refused.versions == []


def test_entry_restore_previews_without_confirm_and_restores_with_it(database_url, engine, research_section):
    entry = engine.create_entry("research_companies", {"company_name": "SWIS", "industry": "IT"})
    first = engine.entry_history("research_companies", entry["id"])["versions"][0]["version"]
    engine.update_entry("research_companies", entry["id"], {"industry": "Retail"})
    inputs = dict(section_handle="research_companies", entry_id=entry["id"], history_version=str(first),
                  database_url=database_url)
    preview = node("ContentEntryRestore", **inputs)
    assert preview.false_path is False, preview.false_path
    assert preview.success is False and preview.restore_run_id is None
    assert preview.restored_data["industry"] == "IT" and preview.true_path["current"]["industry"] == "Retail"
    assert engine.get_entry("research_companies", entry["id"])["industry"] == "Retail"  # nothing changed
    restored = node("ContentEntryRestore", confirm="true", **inputs)
    assert restored.success is True and restored.restored_data["industry"] == "IT"
    assert engine.entry_history("research_companies", entry["id"])["versions"][0]["run_id"] == restored.restore_run_id
    missing = node("ContentEntryRestore", **{**inputs, "history_version": 999999})
    assert "has no version 999999" in missing.false_path["error"]


def test_run_undo_previews_refuses_conflicts_and_reverts_when_confirmed(database_url, engine, research_section):
    created = engine.create_entries("research_companies", [{"company_name": "A"}, {"company_name": "B"}])
    engine.update_entry("research_companies", created[0]["id"], {"industry": "changed since"})
    inputs = dict(run_to_undo=created.run_id, database_url=database_url)
    preview = node("ContentRunUndo", **inputs)
    assert preview.false_path is False, preview.false_path
    assert preview.success is False and preview.conflict_count == 1 and len(preview.changes) == 2
    assert preview.undo_run_id is None
    refused = node("ContentRunUndo", confirm=True, **inputs)
    assert "conflict" in refused.false_path["error"] and refused.changes == []
    assert engine.query_entries("research_companies")["total_count"] == 2  # all or nothing
    done = node("ContentRunUndo", confirm=True, force="true", **inputs)
    assert done.success is True and done.undo_run_id and done.true_path["reverted"] == 2
    assert engine.query_entries("research_companies")["total_count"] == 0


def test_content_tools_writes_are_the_nodes_and_its_flow_runs(database_url, engine, research_section):
    """An agent's writes through the Content Tools node: source ``node``, the node's id and
    the flow run's id (not the MCP server's ``mcp``)."""
    pytest.importorskip("agno.tools.function")
    import asyncio

    from test_content_tools_node import call

    from polysynergy_nodes_content.agent_tools.content_tools import ContentTools

    tools = build_node(ContentTools, database_url=database_url)
    tools.id, tools.context = "n-tools", SimpleNamespace(run_id="flow-run-9")
    kit = asyncio.run(tools.provide_instance())
    created = call(kit, "create_entries", section="research_companies", entries=[{"company_name": "SWIS"}])
    version = engine.entry_history("research_companies", created["created"][0]["id"])["versions"][0]
    assert version["run_id"] == "flow-run-9"
    assert version["context"] == {"source": "node", "node_id": "n-tools"}
