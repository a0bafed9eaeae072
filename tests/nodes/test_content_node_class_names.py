"""Our node classes live beside PolySynergy's own packs without taking a name of theirs.

Code generation writes every node file of a flow into one module and names each class
``<class name><version suffix>``, and the docs service finds ``<Class>_README.md`` by class
name across NODE_PACKAGES (first found wins). A shared name silently runs, or documents,
the other pack's node. Where the real runtime is installed, one flow holds our eighteen
node files and a node file of PolySynergy's shape whose class is ``SectionCreate``.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from content_node_contract import CONTRACT, NODE_FOLDERS, PACKAGE_DIR, SERVICE_FOLDERS, SERVICE_NODES
from content_node_harness import REAL_RUNTIME
from polysynergy_pack_classes import POLYSYNERGY_CLASS_NAMES, POLYSYNERGY_NODES_SECTION

OUR_CLASSES = sorted(CONTRACT) + sorted(SERVICE_NODES)


def node_classes_in_the_package() -> dict[str, object]:
    """Every class marked ``_is_node`` in a node folder, as PolySynergy's discovery finds them."""
    found = {}
    for folder in NODE_FOLDERS + SERVICE_FOLDERS:
        for path in sorted((PACKAGE_DIR / folder).glob("[!_]*.py")):
            module = importlib.import_module(f"polysynergy_nodes_content.{folder}.{path.stem}")
            for name, obj in inspect.getmembers(module, inspect.isclass):
                if getattr(obj, "_is_node", False) and obj.__module__ == module.__name__:
                    found[name] = obj
    return found


def test_no_node_class_shares_a_name_with_a_polysynergy_pack():
    ours = node_classes_in_the_package()
    assert sorted(ours) == sorted(OUR_CLASSES)
    assert not set(ours) & POLYSYNERGY_CLASS_NAMES
    assert all(name.startswith("Content") for name in ours)
    assert POLYSYNERGY_NODES_SECTION <= POLYSYNERGY_CLASS_NAMES  # the pack most like ours is in the list


def test_display_names_stay_as_the_seed_gives_them():
    names = {name: cls().to_dict()["name"] for name, cls in node_classes_in_the_package().items()}
    assert names["ContentSectionCreate"] == "Section Create"
    assert names["ContentEntryQuery"] == "Entry Query"
    assert names["ContentMigrationRollback"] == "Migration Rollback"


def test_every_readme_is_named_after_its_class():
    ours = node_classes_in_the_package()
    for name, cls in ours.items():
        module_file = inspect.getfile(cls)
        assert (PACKAGE_DIR / module_file).with_name(f"{name}_README.md").exists(), name
    readmes = {p.name.removesuffix("_README.md") for p in PACKAGE_DIR.glob("*/*_README.md")}
    assert readmes == set(ours), "a README without a node class of that name"


def test_destructive_node_docs_recommend_requires_confirmation():
    for relative in ("entry/ContentEntryDelete", "section/ContentSectionFieldRemove",
                     "migration/ContentMigrationApply", "migration/ContentMigrationRollback",
                     "entry/ContentEntryRestore", "entry/ContentRunUndo"):
        text = (PACKAGE_DIR / f"{relative}_README.md").read_text(encoding="utf-8")
        assert "`requires_confirmation`" in text, relative


THEIR_SECTION_CREATE = '''from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings


@node(name="Section Create", category="section", version=1.0)
class SectionCreate(Node):
    section_id: str = NodeVariableSettings(label="Section", dock=True, has_in=True)
    record_id: str = NodeVariableSettings(label="Record ID", has_out=True)
    true_path: bool | dict = PathSettings(label="Success")
    false_path: bool | dict = PathSettings(label="Error")

    async def execute(self):
        self.record_id = "record-of-" + self.section_id
        self.true_path = {"record_id": self.record_id}
'''

THEIRS = {  # what the portal stores for their node
    "id": "n-theirs", "handle": "sectioncreate", "path": "polysynergy_nodes.section.section_create.SectionCreate",
    "name": "Section Create", "type": "rows", "category": "section", "version": 1.0, "stateful": True,
    "variables": [
        {"handle": "section_id", "type": "str", "value": "crm-leads"},
        {"handle": "record_id", "type": "str", "value": None},
        {"handle": "true_path", "type": "true_path", "value": False},
        {"handle": "false_path", "type": "false_path", "value": False},
    ],
}


@pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")
def test_one_flow_runs_their_section_create_and_ours(database_url, engine, monkeypatch, no_database_env, tmp_path):
    from polysynergy_node_runner.services.codegen.build_executable import generate_code_from_json
    from test_content_node_real_flow import node_json, run_generated

    # The deployment's layout: their pack at /polysynergy_nodes, ours mounted at /nodes_content.
    their_file = tmp_path / "polysynergy_nodes" / "section" / "section_create.py"
    their_file.parent.mkdir(parents=True)
    their_file.write_text(THEIR_SECTION_CREATE, encoding="utf-8")
    (tmp_path / "nodes_content").symlink_to(PACKAGE_DIR.parent)
    (tmp_path / "app").mkdir()
    monkeypatch.chdir(tmp_path / "app")
    for name in ("AWS_ENDPOINT_URL", "DYNAMODB_LOCAL_ENDPOINT"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NODE_PACKAGES", "polysynergy_nodes,polysynergy_nodes_content")
    monkeypatch.setenv("PROJECT_ID", "project-1")

    ours = [node_json(f"n-{name}", name, {}) for name in sorted(CONTRACT) if name != "ContentSectionCreate"]
    ours.append(node_json("n-ours", "ContentSectionCreate", {
        "section_handle": "made_beside_theirs", "label": "Leads for {{ sectioncreate.record_id }}"}))
    flow_json = {"nodes": [THEIRS, *ours], "connections": [
        {"id": "w0", "sourceNodeId": "n-theirs", "sourceHandle": "true_path", "targetNodeId": "n-ours",
         "targetHandle": "node"}]}
    source = generate_code_from_json(flow_json, "flow-version-1")
    assert source.count("class SectionCreateV1_0(ExecutableNode):") == 1
    for name in CONTRACT:
        assert source.count(f"class {name}V1_0(ExecutableNode):") == 1, name

    state, _, _ = run_generated(source, database_url, "n-theirs")

    theirs, ours_node = state.get_node_by_id("n-theirs"), state.get_node_by_id("n-ours")
    assert type(theirs).__name__ == "SectionCreateV1_0" and type(ours_node).__name__ == "ContentSectionCreateV1_0"
    assert theirs.record_id == "record-of-crm-leads"
    assert ours_node.false_path is False, ours_node.false_path
    assert ours_node.table_name == "made_beside_theirs"
    assert engine.get_section("made_beside_theirs")["label"] == "Leads for record-of-crm-leads"  # a placeholder
