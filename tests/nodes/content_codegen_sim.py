"""A re-implementation, for tests, of what PolySynergy's code generator does to node files.

For a flow run the runtime reads each node's source file and:
1. takes every line that starts with ``from``/``import`` (after stripping) out of the
   file and hoists it to the top of one shared module;
2. drops the ``@node(...)`` decorator (single or multi-line);
3. rewrites ``(Node):`` to ``(ExecutableNode):``;
4. replaces each ``name: type = NodeVariableSettings(...)`` / ``PathSettings(...)``
   by ``name: type = <default>``, the default found by pattern matching;
5. appends the version suffix to the class name (``ContentSectionCreate`` -> ``ContentSectionCreateV1_0``).
The instance is then built as ``Cls(id=..., handle=..., stateful=..., context=...)``
and each variable's value is assigned as an attribute.
"""

from __future__ import annotations

import re

IMPORT_LINE = re.compile(r"^(from|import)\s+")
DECLARATION_START = re.compile(r"^(\s*)(\w+)\s*:\s*([^=]+?)\s*=\s*(?:NodeVariableSettings|PathSettings)\s*\(")
DOCK_CALL = re.compile(r"dock_property\s*\([^)]*\)", re.DOTALL)
DEFAULT_ARGUMENT = re.compile(r"default\s*=\s*(\[[^\]]*\]|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^,)\n]+)")
CLASS_LINE = re.compile(r"^(\s*)class\s+(\w+)\s*\((ExecutableNode)\):")


def version_suffix(version=1.0) -> str:
    major, _, minor = str(version).partition(".")
    return f"V{major}_{minor or '0'}"


def hoist_imports(lines: list[str], collected: set[str]) -> list[str]:
    kept = []
    for line in lines:
        if IMPORT_LINE.match(line.strip()):
            collected.add(line.strip())
        else:
            kept.append(line)
    return kept


def drop_decorator(lines: list[str], start: str = "@node(") -> list[str]:
    kept, depth, inside = [], 0, False
    for line in lines:
        if inside:
            depth += line.count("(") - line.count(")")
            inside = depth > 0
            continue
        if line.strip().startswith(start):
            depth = line.count("(") - line.count(")")
            inside = depth > 0
            continue
        kept.append(line)
    return kept


def to_executable(lines: list[str]) -> list[str]:
    return [line.replace("(Node):", "(ExecutableNode):") for line in lines]


def _declaration(indent: str, name: str, annotation: str, text: str) -> str:
    text = DOCK_CALL.sub("", text)
    found = DEFAULT_ARGUMENT.search(text)
    default = found.group(1).strip() if found else "None"
    return f"{indent}{name}: {annotation.strip()} = {default}"


def strip_declarations(lines: list[str]) -> list[str]:
    kept, buffer, depth, head = [], [], 0, None
    for line in lines:
        if head is None:
            match = DECLARATION_START.match(line)
            if not match:
                kept.append(line)
                continue
            head = match.groups()
            buffer = [line]
            depth = line.count("(") - line.count(")")
        else:
            buffer.append(line)
            depth += line.count("(") - line.count(")")
        if depth <= 0:
            kept.append(_declaration(*head, "\n".join(buffer)))
            head, buffer = None, []
    if head is not None:
        kept.append(_declaration(*head, "\n".join(buffer)))
    return kept


def rename_class(lines: list[str], version=1.0) -> list[str]:
    suffix = version_suffix(version)
    return [CLASS_LINE.sub(rf"\1class \2{suffix}(\3):", line) for line in lines]


def unify(code: str, collected: set[str], version=1.0) -> str:
    lines = hoist_imports(code.splitlines(), collected)
    lines = drop_decorator(lines)
    lines = to_executable(lines)
    lines = strip_declarations(lines)
    lines = rename_class(lines, version)
    return "\n".join(lines)


def build_module(sources: list[str], header: str = "") -> str:
    """Join node sources into one module with all imports hoisted to the top."""
    collected: set[str] = set()
    bodies = [unify(source, collected) for source in sources]
    future = sorted(i for i in collected if i.startswith("from __future__"))
    other = sorted(i for i in collected if not i.startswith("from __future__"))
    return "\n".join(future + [header] + other + bodies) + "\n"


def flow_value(value, type_name: str):
    """A variable value as the generator writes it into the flow (dock pairs become a dict)."""
    if isinstance(value, list) and value and all(isinstance(i, dict) and "handle" in i and "value" in i for i in value):
        return {i["handle"]: i["value"] for i in value}
    if value == {} and "list" in [t.strip() for t in type_name.split("|")]:
        return []
    return value
