"""What a table cell shows, computed in Python once per page (cheaper than a template
macro per cell): ``(kind, content)`` with kind ``empty``, ``text``, ``tags``, ``code``
or ``color``; content is plain text (the template escapes it)."""

from __future__ import annotations

import json


def _labels(column: dict) -> dict:
    return {o["value"]: o["label"] for o in column.get("options") or []}


def row_cells(columns: list[dict], entries: list[dict], related: dict) -> list[list[tuple]]:
    plans = []
    for column in columns:
        plans.append((column["handle"], column["cell"], _labels(column), related.get(column["handle"], {}),
                      column.get("currency")))
    rows = []
    for entry in entries:
        cells = []
        for handle, kind, labels, titles, currency in plans:
            value = entry.get(handle)
            cells.append(_cell(kind, value, labels, titles, currency))
        rows.append(cells)
    return rows


def _cell(kind: str, value, labels: dict, titles: dict, currency) -> tuple:
    if value is None or value == []:
        return ("empty", "—")
    if kind == "boolean":
        return ("text", "Yes" if value else "No")
    if kind == "select":
        return ("text", labels.get(value, value))
    if kind == "tags":
        return ("tags", [labels.get(v, v) for v in value])
    if kind == "relation":
        return ("text", titles.get(value, value))
    if kind == "relations":
        return ("tags", [titles.get(v, v) for v in value])
    if kind == "json":
        return ("code", json.dumps(value, ensure_ascii=False))
    if kind == "color":
        return ("color", value)
    if kind == "currency":
        return ("text", f"{value} {currency or ''}".strip())
    if kind == "percentage":
        return ("text", f"{value} %")
    if kind == "datetime":
        text = str(value)
        return ("text", text[:19].replace("T", " ") + (" UTC" if text.endswith("+00:00") else text[19:]))
    if kind == "longtext":
        text = str(value)
        return ("text", text if len(text) <= 120 else text[:117] + "...")
    return ("text", str(value))
