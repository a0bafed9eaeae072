"""Which input and which table cell suit a field type (by type handle, as the portal does).

Plugin types fall back to a text input and a text cell unless their ``ui_component``
names one of the known widgets. Relations are recognised by the field type's hooks
(``is_relation``, ``uses_junction``), so a plugin relation type gets the relation widgets;
the reverse side of a relation (``reverse_relation``) is a read-only list.
"""

from __future__ import annotations

WIDGETS = {
    "text": "text", "slug": "text", "textarea": "textarea", "email": "email", "url": "url", "phone": "tel",
    "color": "color", "number": "number", "integer": "integer", "decimal": "decimal", "currency": "decimal",
    "percentage": "decimal", "boolean": "boolean", "date": "date", "datetime": "datetime", "time": "time",
    "select": "select", "multi_select": "multiselect", "relation": "relation", "json": "json",
}

CELLS = {
    "text": "text", "slug": "text", "textarea": "longtext", "email": "email", "url": "url", "phone": "text",
    "color": "color", "number": "number", "integer": "number", "decimal": "number", "currency": "currency",
    "percentage": "percentage", "boolean": "boolean", "date": "date", "datetime": "datetime", "time": "time",
    "select": "select", "multi_select": "tags", "relation": "relation", "json": "json",
}

#: Widths of the 12-column grid.
WIDTH_SPANS = {"full": 12, "half": 6, "third": 4, "quarter": 3}


def widget_for(ft, settings: dict) -> str:
    if ft.reverse_relation(settings) is not None:
        return "relation_list"
    if ft.is_relation(settings):
        return "relation_multiple" if ft.uses_junction(settings) else "relation"
    ui_component = ft.ui_component
    return WIDGETS.get(ft.handle) or (ui_component if ui_component in WIDGETS.values() else "text")


def cell_for(ft, settings: dict) -> str:
    if ft.is_relation(settings):
        return "relations" if ft.uses_junction(settings) or ft.reverse_relation(settings) else "relation"
    return CELLS.get(ft.handle, "text")


def options_of(settings: dict) -> list[dict]:
    """``options`` of a select as ``[{"value", "label"}]`` (either stored form)."""
    out = []
    for option in settings.get("options") or []:
        if isinstance(option, dict):
            out.append({"value": option["value"], "label": option.get("label") or option["value"]})
        else:
            out.append({"value": option, "label": option})
    return out
