"""The PolySynergy portal's ``layout_config`` from a form and a table descriptor, so the
portal's own renderer can show our sections (see shared/portal-ui.md for its shape)."""

from __future__ import annotations


def _cells(tab_name: str, row_number: int, row: dict, fields: dict) -> list[dict]:
    cells = []
    for n, cell in enumerate(row["cells"]):
        field = fields[cell["field"]]
        cells.append({
            "id": f"cell-{field['id'] or field['handle']}",
            "type": "field",
            "col_start": cell["col_start"],
            "col_end": cell["col_end"],
            "row_start": row_number,
            "row_end": row_number + 1,
            "fieldAssignmentId": field["id"] or field["handle"],
        })
    return cells


def portal_layout_config(form: dict, table: dict | None = None) -> dict:
    """``{"tabs": {name: {"rows": [...]}}, "table_columns": {...}}`` for the portal.

    Rows count from 0 within a tab; ``col_end`` is exclusive (1..13). Columns the table
    does not show by default (the system timestamps) are listed as hidden."""
    fields = {f["handle"]: f for f in form["fields"]}
    tabs = {}
    for tab in form["tabs"]:
        rows = []
        for number, row in enumerate(tab["rows"]):
            slug = "".join(c if c.isalnum() else "-" for c in tab["name"].lower())
            rows.append({"id": f"row-{slug}-{number}", "cells": _cells(tab["name"], number, row, fields)})
        tabs[tab["name"]] = {"rows": rows}
    columns = (table or {}).get("columns") or [{"handle": h, "system": False} for h in form["field_order"]]
    return {
        "tabs": tabs,
        "table_columns": {
            "order": [c["handle"] for c in columns],
            "hidden": [c["handle"] for c in columns if c.get("system")],
            "widths": {},
        },
    }
