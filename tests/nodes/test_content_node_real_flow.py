"""A whole flow built by the real runtime's code generator, run as the portal's play button does.

``generate_code_from_json`` turns node JSON and connections into one module: node files
found through NODE_PACKAGES, imports hoisted, ``class XV1_0(ExecutableNode)``, variable
values assigned, wires as ``Connection`` objects. ``execute_with_mock_start_node`` then
walks the flow from the first node. Data reaches each node only through wires, and the
database URL only through a ``<secret:...>`` placeholder. Runs where the runtime is
installed (it is not on PyPI); the storage and listener services it would call are
replaced by in-memory ones, and any stray AWS call goes to a closed loopback port.
"""

from __future__ import annotations

import asyncio

import pytest

from content_node_harness import REAL_RUNTIME
from content_node_contract import PACKAGE_DIR, node_class

pytestmark = pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")

NODES = [  # id, class, dock values (everything else arrives by wire)
    ("n-section", "ContentSectionCreate", {"section_handle": "flow_companies", "label": "Flow Companies"}),
    ("n-field", "ContentSectionFieldAdd", {"field_handle": "company_name", "field_label": "Company Name",
                                    "field_type_handle": "text", "is_required": True}),
    ("n-plan", "ContentMigrationGenerate", {}),
    ("n-apply", "ContentMigrationApply", {"confirm": True}),
    ("n-entry", "ContentEntryCreate", {"section_handle": "flow_companies", "field_data": {"company_name": "SWIS"}}),
    ("n-query", "ContentEntryQuery", {"section_handle": "flow_companies"}),
]
WIRES = [  # source node, source handle, target node, target handle ("node": drives it)
    ("n-section", "true_path", "n-field", "node"),
    ("n-section", "section_id", "n-field", "section_id"),
    ("n-field", "true_path", "n-plan", "node"),
    ("n-section", "section_id", "n-plan", "section_id"),
    ("n-plan", "true_path", "n-apply", "node"),
    ("n-plan", "migration_id", "n-apply", "migration_id"),
    ("n-apply", "true_path", "n-entry", "node"),
    ("n-entry", "true_path", "n-query", "node"),
]


class _Quiet:
    """Storage and listener services that keep nothing (the real ones talk to DynamoDB)."""

    def has_listener(self, *_args, **_kwargs):
        return False

    def __getattr__(self, _name):
        return lambda *args, **kwargs: None


class _Secrets:
    def __init__(self, values: dict):
        self.values, self.asked = values, []

    def get_secret_by_key(self, key, project_id, stage):
        self.asked.append(key)
        return {"key": key, "value": self.values[key]} if key in self.values else None


def node_json(node_id: str, class_name: str, values: dict) -> dict:
    """What the portal stores for a placed node: the library description plus its values."""
    description = node_class(class_name)().to_dict()
    for variable in description["variables"]:
        if variable["handle"] in values:
            variable["value"] = values[variable["handle"]]
        elif variable["handle"] == "database_url":
            variable["value"] = "<secret:CONTENT_DB>"
    return {**description, "id": node_id, "handle": class_name.lower()}


def run_flow(database_url: str, monkeypatch):
    from polysynergy_node_runner.services.codegen.build_executable import generate_code_from_json

    for name in ("AWS_ENDPOINT_URL", "DYNAMODB_LOCAL_ENDPOINT"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NODE_PACKAGES", "polysynergy_nodes_content")
    monkeypatch.setenv("PROJECT_ID", "project-1")
    monkeypatch.chdir(PACKAGE_DIR.parent)  # where the generator looks for the node files
    flow_json = {
        "nodes": [node_json(*spec) for spec in NODES],
        "connections": [{"id": f"w{i}", "sourceNodeId": s, "sourceHandle": sh, "targetNodeId": t, "targetHandle": th}
                        for i, (s, sh, t, th) in enumerate(WIRES)],
    }
    return run_generated(generate_code_from_json(flow_json, "flow-version-1"), database_url, "n-section")


def run_generated(source: str, database_url: str, start_node: str):
    """Run a generated flow module from ``start_node`` as the runtime's mock start does,
    with <secret:CONTENT_DB> resolving to ``database_url``: (state, execution, secrets)."""
    module = {"__name__": "generated_flow"}
    exec(compile(source, "<generated flow>", "exec"), module)
    secrets = _Secrets({"CONTENT_DB": database_url})
    module.update(storage=_Quiet(), active_listeners_service=_Quiet(),
                  get_secrets_manager=lambda: secrets, get_env_var_manager=lambda: None)
    built = {}
    create_environment = module["create_execution_environment"]

    def keep_environment(*args, **kwargs):
        built["flow"], built["execution"], built["state"] = create_environment(*args, **kwargs)
        return built["flow"], built["execution"], built["state"]

    module["create_execution_environment"] = keep_environment
    asyncio.run(module["execute_with_mock_start_node"](start_node, "run-1", "mock"))
    return built["state"], built["execution"], secrets


def test_the_research_flow_runs_in_the_real_runtime(database_url, monkeypatch, no_database_env):
    state, execution, secrets = run_flow(database_url, monkeypatch)
    nodes = {node.id: node for node in state.nodes}
    assert [step["id"] for step in execution["nodes_order"]] == [node_id for node_id, _, _ in NODES]
    for node in nodes.values():
        assert node.get_exception() is None, (node.id, node.get_exception())
        assert node.false_path is False, (node.id, node.false_path)
        assert node.true_path not in (False, None), node.id
    section_id = nodes["n-section"].section_id
    assert nodes["n-field"].section_id == section_id == nodes["n-plan"].section_id  # by wire
    assert nodes["n-apply"].migration_id == nodes["n-plan"].migration_id and nodes["n-apply"].success is True
    created = nodes["n-entry"].entry_id
    assert [e["id"] for e in nodes["n-query"].entries] == [created] and nodes["n-query"].total_count == 1
    assert nodes["n-query"].entries[0]["company_name"] == "SWIS"
    assert set(secrets.asked) == {"CONTENT_DB"}


def test_every_node_is_registered_under_its_own_handle(database_url, monkeypatch, no_database_env):
    """The runtime finds each node by the handle the flow gave it, not by an input's value."""
    state, execution, _ = run_flow(database_url, monkeypatch)
    for node_id, class_name, _ in NODES:
        node = state.get_node_by_id(node_id)
        assert node.handle == class_name.lower(), (node_id, node.handle)
        assert state.get_node_by_handle(class_name.lower()) is node, class_name
    assert "flow_companies" not in state.nodes_by_handle
    assert {step["handle"] for step in execution["nodes_order"]} == {c.lower() for _, c, _ in NODES}
