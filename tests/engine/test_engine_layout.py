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
#: Map type handles to the portal's widgets, cells and value schemas (descriptors), and
#: PostgreSQL column types to the field types that store them (adoption), on purpose.
VOCABULARY_PACKAGES = ("descriptors", "adoption")
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


# -- floors: which part of the engine may import which ----------------------------------

PACK = ENGINE.parent
ENGINE_NAME = "polysynergy_nodes_content.content_engine"
#: Every part of the engine on its floor. A part imports only parts on lower floors;
#: parts on one floor never import each other (``config`` and ``entries`` in particular).
FLOORS = {
    "install_hint": 0, "section_scope": 0, "json_values": 0,
    "errors": 1,
    "identifiers": 2,
    "postgres": 3,
    "settings": 4,
    "system": 5, "rules": 5, "descriptors": 5, "history": 5,
    "config": 6, "entries": 6,
    "migrations": 7, "transfer": 7, "schema_file": 7, "events": 7,
    "adoption": 8,
    "engine": 9,
}
#: What code outside the engine may import: the facade, the errors, the settings and the
#: packages' faces (their ``__init__``), never a module inside a package.
OUTSIDE_MAY_IMPORT = {"engine", "errors", "settings"} | {p for p in FLOORS if (ENGINE / p).is_dir()}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(PACK.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def imports_of(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, names) of every ``from ... import`` in a file, function-level ones too."""
    module, is_package = _module_name(path)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
    return found


def engine_part(module: str, names: list[str] | None = None) -> tuple[str | None, str]:
    """(part, the rest of the path inside it) of an engine module; ``from content_engine
    import x`` names the part ``x``."""
    if module == ENGINE_NAME:
        return (names[0] if names else None), ""
    if not module.startswith(ENGINE_NAME + "."):
        return None, ""
    part, _, rest = module[len(ENGINE_NAME) + 1:].partition(".")
    return part, rest


def floor_breaks(importer_part: str, target_part: str) -> str | None:
    if importer_part not in FLOORS or target_part not in FLOORS:
        return f"'{importer_part}' or '{target_part}' has no floor: give it one in FLOORS"
    if FLOORS[target_part] >= FLOORS[importer_part]:
        return f"{importer_part} (floor {FLOORS[importer_part]}) imports {target_part} (floor {FLOORS[target_part]})"
    return None


def engine_import_breaks(path: Path) -> list[str]:
    """Imports of one engine file that point sideways or up, or past another package's face."""
    own, _ = engine_part(_module_name(path)[0])
    breaks = []
    for line, target, names in imports_of(path):
        part, rest = engine_part(target, names)
        if part is None or part == own:
            continue
        why = floor_breaks(own, part)
        if why is None and rest and (ENGINE / part).is_dir():
            why = f"imports {target}, inside {part}: import its face ({ENGINE_NAME}.{part})"
        if why:
            breaks.append(f"{path.relative_to(PACK)}:{line}: {why}")
    return breaks


def outside_import_breaks(path: Path) -> list[str]:
    breaks = []
    for line, target, names in imports_of(path):
        part, rest = engine_part(target, names)
        if part is None:
            continue
        if part not in OUTSIDE_MAY_IMPORT or (rest and (ENGINE / part).is_dir()):
            breaks.append(f"{path.relative_to(PACK.parent)}:{line}: imports {target}; outside the engine import "
                          f"only {sorted(OUTSIDE_MAY_IMPORT)}")
    return breaks


def _outside_files():
    yield from (p for p in PACK.rglob("*.py") if ENGINE not in p.parents)
    yield from (PACK.parent / "bench").rglob("*.py")


def test_every_engine_import_points_down_to_a_face():
    breaks = [b for path in _modules() for b in engine_import_breaks(path)]
    assert not breaks, "\n".join(breaks)


def test_code_outside_the_engine_imports_only_the_facade_and_the_faces():
    breaks = [b for path in _outside_files() for b in outside_import_breaks(path)]
    assert not breaks, "\n".join(breaks)


def test_the_studio_and_the_mcp_server_never_import_the_cli():
    breaks = []
    for front in ("studio", "mcp_server"):
        for path in (PACK / front).rglob("*.py"):
            breaks += [f"{path.relative_to(PACK)}:{line}: {target}" for line, target, _ in imports_of(path)
                       if target == "polysynergy_nodes_content.cli" or target.startswith("polysynergy_nodes_content.cli.")]
    assert not breaks, breaks


def engine_import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p)[0]: p for p in _modules()}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for _, target, names in imports_of(path):
            submodules = {f"{target}.{n}" for n in names if f"{target}.{n}" in modules}
            edges |= submodules
            if target in modules and len(submodules) < len(names or [None]):  # a name from the module itself
                edges.add(target)
        graph[name] = edges - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every loop of imports, found by depth-first search (one path per loop found)."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_the_checks_catch_what_they_are_for():
    assert floor_breaks("config", "entries") and floor_breaks("entries", "config")
    assert floor_breaks("descriptors", "migrations") and floor_breaks("postgres", "settings")
    assert floor_breaks("migrations", "config") is None
    assert circles({"a": {"b"}, "b": {"a"}}) and not circles({"a": {"b"}, "b": set()})
    assert engine_part(f"{ENGINE_NAME}.entries.rows") == ("entries", "rows")


def test_no_engine_modules_import_each_other_in_a_circle():
    assert not circles(engine_import_graph())
