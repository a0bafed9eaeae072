"""The form descriptor: every visible field with its widget, in tabs of 12-column rows."""

from __future__ import annotations

from .schema import entry_schema
from .section_view import default_of, pending, section_fields, title_field
from .widgets import WIDTH_SPANS, options_of, widget_for

GRID_COLUMNS = 12


def _field(f: dict, registry) -> dict:
    settings = f.get("field_settings") or {}
    ft = registry.get(f["field_type_handle"])
    out = {
        "id": str(f["id"]) if f.get("id") else None,
        "handle": f["handle"],
        "type": f["field_type_handle"],
        "ui_component": ft.ui_component,
        "widget": widget_for(ft, settings),
        "label": f.get("label") or f["handle"],
        "help_text": f.get("help_text"),
        "placeholder": f.get("placeholder") or settings.get("placeholder"),
        "default": default_of(f),
        "required": bool(f.get("is_required")),
        "unique": bool(f.get("is_unique")),
        "settings": settings,
        "width": f.get("ui_width") or "full",
        "span": WIDTH_SPANS.get(f.get("ui_width") or "full", GRID_COLUMNS),
        "tab": f.get("tab_name") or "Content",
        "sort_order": f.get("sort_order") or 0,
    }
    if out["widget"] in ("select", "multiselect"):
        out["options"] = options_of(settings)
    if out["widget"] in ("relation", "relation_multiple", "relation_list"):
        out["related_section"] = ft.relation_target(settings)
    if out["widget"] == "relation_list":  # the reverse side: written through the other section's field
        out["read_only"] = True
        out["related_field"] = ft.reverse_relation(settings)[1]
    return out


def _rows(fields: list[dict]) -> list[dict]:
    """Pack fields left to right into rows of 12 columns (a field never straddles two)."""
    rows: list[dict] = []
    used = GRID_COLUMNS
    for f in fields:
        if used + f["span"] > GRID_COLUMNS:
            rows.append({"cells": []})
            used = 0
        start = used + 1
        rows[-1]["cells"].append({"field": f["handle"], "col_start": start, "col_end": start + f["span"]})
        used += f["span"]
    return rows


def form_descriptor(section: dict, registry, source: str = "applied") -> dict:
    """The entry form of ``section`` (a dict from ``ContentEngine.get_section``).

    ``source="applied"`` (default) describes the fields the entry API accepts now;
    ``"configured"`` previews the configuration before its migration is applied.
    Hidden fields (``is_visible`` false) are left out of the layout but kept in the
    schema, because the engine still accepts them.
    """
    fields = section_fields(section, source)
    described = [_field(f, registry) for f in fields if f.get("is_visible", True)]
    tabs: list[dict] = []
    for f in described:
        tab = next((t for t in tabs if t["name"] == f["tab"]), None)
        if tab is None:
            tab = {"name": f["tab"], "fields": []}
            tabs.append(tab)
        tab["fields"].append(f)
    layout = [{"name": t["name"], "rows": _rows(t["fields"])} for t in tabs]
    return {
        "section": section["handle"],
        "label": section.get("label") or section["handle"],
        "source": source,
        "has_table": bool(section.get("applied_state")),
        "pending_migration": pending(section),
        "title_field": title_field(section, fields),
        "grid_columns": GRID_COLUMNS,
        "fields": described,
        "tabs": layout,
        "field_order": [f["handle"] for f in described],
        "schema": entry_schema(section, registry, source),
    }
