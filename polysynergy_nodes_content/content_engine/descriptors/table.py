"""The table descriptor: columns, how each cell is drawn, how each can be sorted and filtered."""

from __future__ import annotations

from .section_view import section_fields, title_field
from .widgets import cell_for, options_of

DEFAULT_SORT = {"field": "created_at", "direction": "desc"}
SYSTEM_OPERATORS = ["_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_between", "_null", "_nnull"]


def _operators(ft, settings: dict) -> list[str]:
    return sorted(ft.operators_for(settings))


def _column(f: dict, registry) -> dict:
    settings = f.get("field_settings") or {}
    ft = registry.get(f["field_type_handle"])
    column = {
        "handle": f["handle"],
        "label": f.get("label") or f["handle"],
        "type": f["field_type_handle"],
        "cell": cell_for(ft, settings),
        "sortable": bool(ft.sortable) and ft.stores_column(settings),
        "filter_operators": _operators(ft, settings),
        "system": False,
    }
    if column["cell"] in ("select", "tags"):
        column["options"] = options_of(settings)
    if column["cell"] in ("relation", "relations"):
        column["related_section"] = ft.relation_target(settings)
        column["multiple"] = ft.uses_junction(settings) or ft.reverse_relation(settings) is not None
        if ft.reverse_relation(settings) is not None:
            column["read_only"] = True
    if column["cell"] == "currency":
        column["currency"] = settings.get("currency", "EUR")
    return column


def _system(handle: str, label: str) -> dict:
    return {"handle": handle, "label": label, "type": "datetime", "cell": "datetime", "sortable": True,
            "filter_operators": SYSTEM_OPERATORS, "system": True}


def table_descriptor(section: dict, registry, source: str = "applied") -> dict:
    """Columns of the table view of ``section``: its visible fields in order, then the
    system timestamps. Relation columns name their related section; a front end shows
    that section's title field (``related_title_fields`` when the caller passes
    ``sections``, see :func:`with_related_titles`)."""
    fields = section_fields(section, source)
    columns = [_column(f, registry) for f in fields if f.get("is_visible", True)]
    columns += [_system("created_at", "Created"), _system("updated_at", "Updated")]
    return {
        "section": section["handle"],
        "label": section.get("label") or section["handle"],
        "title_field": title_field(section, fields),
        "columns": columns,
        "default_sort": dict(DEFAULT_SORT),
        "page_sizes": [25, 50, 100],
    }


def with_related_titles(descriptor: dict, sections: list[dict]) -> dict:
    """The descriptor with each relation column's ``related_title_field`` filled in from
    the related section's configuration."""
    by_handle = {s["handle"]: s for s in sections} | {str(s["id"]): s for s in sections if s.get("id")}
    for column in descriptor["columns"]:
        target = by_handle.get(column.get("related_section"))
        if target is not None:
            column["related_title_field"] = title_field(target, section_fields(target, "applied"))
    return descriptor
