"""Node discovery as the PolySynergy API does it, and the setup-context view of each node.

The API imports every ``<package>/<folder>/[!_]*.py`` module of a node package and
builds each class marked ``_is_node`` without arguments, then calls ``to_dict()``.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from content_node_contract import (CONTRACT, NODE_FOLDERS, PACKAGE_DIR, SERVICE_FOLDERS, SERVICE_NODES, inputs_of,
                                   node_class, outputs_of)

DISCOVERED_FOLDERS = NODE_FOLDERS + SERVICE_FOLDERS + ("node_support",)


def discover() -> dict[str, dict]:
    found = {}
    for folder in DISCOVERED_FOLDERS:
        for path in sorted((PACKAGE_DIR / folder).glob("[!_]*.py")):
            module = importlib.import_module(f"polysynergy_nodes_content.{folder}.{path.stem}")
            for name, obj in inspect.getmembers(module):
                if inspect.isclass(obj) and getattr(obj, "_is_node", False):
                    assert name not in found, f"{name} is found twice (imported into another node file?)"
                    found[name] = obj().to_dict()
    return found


def test_discovery_finds_exactly_the_nodes_and_the_tool_provider():
    assert set(discover()) == set(CONTRACT) | set(SERVICE_NODES)


def test_node_support_imports_cleanly_without_nodes():
    for path in (PACKAGE_DIR / "node_support").glob("[!_]*.py"):
        module = importlib.import_module(f"polysynergy_nodes_content.node_support.{path.stem}")
        assert not [n for n, o in inspect.getmembers(module, inspect.isclass) if getattr(o, "_is_node", False)]


@pytest.mark.parametrize("class_name", sorted(CONTRACT))
def test_setup_context_description(class_name):
    description = node_class(class_name)().to_dict()
    assert description["path"] == f"{node_class(class_name).__module__}.{class_name}"
    assert description["category"].split("_", 1)[0] == "content"
    assert description["icon"].lstrip().startswith("<svg"), "icon file is inlined"
    assert description["has_documentation"] is True
    variables = {v["handle"]: v for v in description["variables"]}
    for name in inputs_of(class_name):
        assert variables[name]["has_in"] is True
    for name in outputs_of(class_name):
        assert variables[name]["has_out"] is True
    assert variables["database_url"]["dock"]["secret"] is True
    assert variables["database_url"]["type"] == "str"
    assert variables["true_path"]["has_out"] and variables["false_path"]["has_out"]
    assert variables["true_path"]["value"] is False and variables["false_path"]["value"] is False


def test_section_create_keeps_its_own_handle_and_icon():
    """Its section_handle and section_icon inputs leave the node's handle and icon file alone."""
    description = node_class("ContentSectionCreate")().to_dict()
    variables = {v["handle"]: v for v in description["variables"]}
    assert variables["section_icon"]["value"] in ("", None)
    assert variables["section_handle"]["value"] in ("", None)
    assert "icon" not in variables and "handle" not in variables
    assert "<svg" in description["icon"]


def test_dict_inputs_default_to_empty_and_are_not_shared():
    first = node_class("ContentEntryCreate")()
    second = node_class("ContentEntryCreate")()
    first.field_data = {"a": 1}
    assert second.field_data == {}
