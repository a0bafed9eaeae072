"""The engine's layout rules, read from its source (no database needed).

Small modules with one job (no module over ~400 lines, no class over ~300), and no
behaviour keyed on a built-in field type's handle: the engine asks the field type's
hooks, so a plugin type (or a replaced built-in) behaves the same. The descriptors are
the one exception: they translate type handles into the portal's widget vocabulary.
"""

from __future__ import annotations

import ast
from pathlib import Path

import polysynergy_nodes_content.content_engine as content_engine
from polysynergy_section_field import registered_field_types

ENGINE = Path(content_engine.__file__).parent
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 300
#: Maps type handles to the portal's widgets, cells and value schemas on purpose.
VOCABULARY_PACKAGES = ("descriptors",)
BUILT_IN_HANDLES = {cls.handle for cls in registered_field_types}


def _modules():
    return sorted(ENGINE.rglob("*.py"))


def test_no_engine_module_or_class_is_over_the_size_limits():
    too_big = []
    for path in _modules():
        source = path.read_text()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            too_big.append(f"{path.relative_to(ENGINE)}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                too_big.append(f"{path.relative_to(ENGINE)}:{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not too_big, too_big


def _built_in_literals(node) -> list[str]:
    if isinstance(node, ast.Constant) and node.value in BUILT_IN_HANDLES:
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in BUILT_IN_HANDLES]
    return []


def _names_a_type_handle(node) -> bool:
    text = ast.unparse(node)
    return "field_type_handle" in text or text.endswith(".handle") or text.endswith("type_handle")


def built_in_type_uses(source: str) -> list[str]:
    """``registry.get("relation")`` and ``field_type_handle == "select"`` style uses."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and "registry" in ast.unparse(node.func.value) and node.args and _built_in_literals(node.args[0]):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_built_in_literals(s) for s in sides) and any(_names_a_type_handle(s) for s in sides):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_the_detector_catches_what_it_is_for():
    assert built_in_type_uses('ft = registry.get("relation")')
    assert built_in_type_uses('ok = field["field_type_handle"] in ("select", "multi_select")')
    assert built_in_type_uses('ok = ft.handle == "datetime"')
    assert not built_in_type_uses('ft = registry.get(field["field_type_handle"])')
    assert not built_in_type_uses('ok = column_type == "text"')


def test_the_engine_names_no_built_in_field_type_for_behaviour():
    offenders = []
    for path in _modules():
        relative = path.relative_to(ENGINE)
        if relative.parts[0] in VOCABULARY_PACKAGES:
            continue
        offenders += [f"{relative} {use}" for use in built_in_type_uses(path.read_text())]
    assert not offenders, offenders
