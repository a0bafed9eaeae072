"""Node writes in the entry history: source ``node``, the flow run's id (``self.context.run_id``)
and the node's id, so undoing the flow run's id undoes what every node of that run did."""

from __future__ import annotations

from types import SimpleNamespace

from content_node_harness import build_node, run
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


def test_a_node_outside_a_flow_run_gets_a_run_id_per_write(database_url, engine, research_section):
    created = run(build_node(node_class("ContentEntryCreate"), section_handle="research_companies",
                             field_data={"company_name": "Acme"}, database_url=database_url))
    version = engine.entry_history("research_companies", created.entry_id)["versions"][0]
    assert version["context"]["source"] == "node" and version["run_id"]
    assert "node_id" not in version["context"]
