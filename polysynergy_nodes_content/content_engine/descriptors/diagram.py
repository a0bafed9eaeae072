"""The content model (sections, fields, relations) as a Mermaid ER diagram.

Input is what ``ContentEngine.list_sections()`` returns (sections with their
configured ``fields``). Single relations become a foreign key (many entries point to
one target entry); multiple relations become a many-to-many line (a junction table).
"""

from __future__ import annotations

import re

from polysynergy_section_field import default_registry

_WORD = re.compile(r"[^A-Za-z0-9_]")


def _word(text: str) -> str:
    cleaned = _WORD.sub("_", str(text)).strip("_")
    return cleaned or "value"


def _comment(text: str) -> str:
    return str(text).replace('"', "'")


def _describe(field: dict) -> str:
    bits = []
    if field.get("is_required"):
        bits.append("required")
    settings = field.get("field_settings") or {}
    for key in ("maxLength", "options", "min", "max", "allowMultiple"):
        if key in settings and settings[key] not in (None, False):
            value = settings[key]
            if isinstance(value, list):
                value = "|".join(map(str, value))
            bits.append(f"{key}={value}")
    label = field.get("label")
    if label and label.lower().replace(" ", "_") != field["handle"]:
        bits.insert(0, label)
    return ", ".join(bits)


def _relation(field: dict, registry) -> tuple[str | None, bool]:
    """(target handle, links many) of a relation field, asked of its type; (None, False) otherwise."""
    handle = field.get("field_type_handle")
    if handle not in registry:
        return None, False
    ft, settings = registry.get(handle), field.get("field_settings") or {}
    if not ft.is_relation(settings) or ft.reverse_relation(settings) is not None:
        return None, False  # the reverse side: its line is drawn from the other section's field
    return ft.relation_target(settings), ft.uses_junction(settings)


def mermaid_er(sections: list[dict], include_system_columns: bool = True, registry=None) -> str:
    """An ``erDiagram`` of the given sections; relation targets outside the list are drawn as stubs.

    Relations are recognised by their field type's hooks, so plugin relation types are drawn too.
    A section's ``id_type`` (an adopted table's own key: bigint, integer, text; default uuid)
    types its id and the relation columns that point to it."""
    registry = registry or default_registry()
    by_id = {str(s["id"]): s for s in sections}
    by_handle = {s["handle"]: s for s in sections}
    lines = ["erDiagram"]
    relations: list[str] = []
    stubs: set[str] = set()
    for section in sorted(sections, key=lambda s: s["handle"]):
        name = _word(section["handle"])
        lines.append(f"    {name} {{")
        if include_system_columns:
            lines.append(f'        {_word(section.get("id_type") or "uuid")} id PK "system"')
        for field in section.get("fields") or []:
            ftype = field.get("field_type_handle") or "field"
            handle = _word(field["handle"])
            relation_target, many = _relation(field, registry)
            if relation_target is not None:
                target_section = by_id.get(str(field.get("related_section_id"))) if field.get("related_section_id") else None
                target = target_section["handle"] if target_section else relation_target or "unknown"
                target_name = _word(target)
                if target not in by_handle:
                    stubs.add(target_name)
                key = _word(by_handle.get(target, {}).get("id_type") or "uuid")
                label = f'"{_comment(field["handle"])}"'
                if many:
                    relations.append(f"    {name} }}o--o{{ {target_name} : {label}")
                    lines.append(f'        {key}_list {handle} "{_comment(_describe(field) or "many-to-many")}"')
                    continue
                card = "||" if field.get("is_required") else "o|"
                relations.append(f"    {name} }}o--{card} {target_name} : {label}")
                keys = "FK, UK" if field.get("is_unique") else "FK"
                comment = _describe(field)
                lines.append(f"        {key} {handle} {keys}" + (f' "{_comment(comment)}"' if comment else ""))
                continue
            keys = " UK" if field.get("is_unique") else ""
            comment = _describe(field)
            lines.append(f"        {_word(ftype)} {handle}{keys}" + (f' "{_comment(comment)}"' if comment else ""))
        if include_system_columns:
            lines.append('        timestamptz created_at "system"')
            lines.append('        timestamptz updated_at "system"')
        lines.append("    }")
    for stub in sorted(stubs):
        lines.append(f"    {stub} {{")
        lines.append('        uuid id PK "not in this diagram"')
        lines.append("    }")
    lines.extend(relations)
    return "\n".join(lines) + "\n"
