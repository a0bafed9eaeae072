"""Entry values <-> the text of HTML inputs, per widget of the form descriptor.

The studio converts as little as it can: numbers, dates and booleans go to the engine
as the text typed, and the engine's field types parse and check them, so the error a
person sees is the engine's own.
"""

from __future__ import annotations

import json

MULTIPLE = ("multiselect", "relation_multiple")


def input_text(field: dict, value) -> str | list:
    """The value an input shows for an entry's value."""
    if value is None:
        return [] if field["widget"] in MULTIPLE else ""
    widget = field["widget"]
    if widget in MULTIPLE:
        return [str(v) for v in value]
    if widget == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    if widget == "boolean":
        return "true" if value else "false"
    if widget == "datetime":
        text = str(value)
        return text[:19] if text.endswith("+00:00") else text  # datetime-local wants no offset
    return str(value)


def posted_values(descriptor: dict, form) -> tuple[dict, dict, dict]:
    """(data for the engine, what was typed per field, errors found before the engine).

    An empty input means "no value": left out on create (so defaults and the
    required rule apply), null on update."""
    data, typed, errors = {}, {}, {}
    for field in descriptor["fields"]:
        handle, widget = field["handle"], field["widget"]
        if widget in MULTIPLE:
            chosen = [v for v in form.getlist(handle) if v]
            typed[handle] = chosen
            data[handle] = chosen if chosen else ([] if widget == "relation_multiple" else None)
            continue
        text = form.get(handle)
        if text is None:
            continue  # not on the form (hidden, or a new field): leave it alone
        typed[handle] = text
        if text.strip() == "":
            data[handle] = None
        elif widget == "json":
            try:
                data[handle] = json.loads(text)
            except json.JSONDecodeError as exc:
                errors[handle] = f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        else:
            data[handle] = text
    return data, typed, errors


def for_create(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None and v != []}
