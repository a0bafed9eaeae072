"""A field type's settings form, generated from its settings JSON Schema, and the way
back from the posted form to a settings object (the engine then validates it)."""

from __future__ import annotations

import json

PREFIX = "setting."
#: Settings the form leaves out: a type's ``default`` setting is the field's one default,
#: edited in the field's own "Default value" input (the engine moves ``settings.default`` there).
FIELD_LEVEL_SETTINGS = frozenset({"default"})


def _form_settings(schema: dict | None):
    """(name, property) of each setting the settings form shows."""
    return ((name, prop) for name, prop in ((schema or {}).get("properties") or {}).items()
            if name not in FIELD_LEVEL_SETTINGS)


def _kind(prop: dict) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):
        return "text"
    if kind == "array":
        items = prop.get("items") or {}
        return "options" if "anyOf" in items else "lines"
    return {"integer": "integer", "number": "number", "boolean": "boolean", "object": "json"}.get(kind, "text")


def settings_inputs(schema: dict | None, values: dict | None, sections: list[str]) -> list[dict]:
    """One input per setting: name, label, help, kind, current text, choices."""
    values = values or {}
    out = []
    for name, prop in _form_settings(schema):
        kind = _kind(prop)
        current = values.get(name)
        if name == "targetSection":
            kind = "choice"
        out.append({
            "name": PREFIX + name,
            "setting": name,
            "label": prop.get("title") or name,
            "help": prop.get("description") or "",
            "kind": kind,
            "required": name in ((schema or {}).get("required") or []),
            "text": _as_text(kind, current),
            "checked": bool(current if current is not None else prop.get("default")),
            "choices": sections if kind == "choice" else [],
            "default": prop.get("default"),
        })
    return out


def _as_text(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "options":
        return "\n".join(f"{o['value']} | {o['label']}" if isinstance(o, dict) and o.get("label") is not None
                         else (o["value"] if isinstance(o, dict) else str(o)) for o in value)
    if kind == "lines":
        return "\n".join(str(v) for v in value)
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_settings(schema: dict | None, form) -> tuple[dict, dict]:
    """(settings, errors by setting name). Empty inputs are left out (the type's default)."""
    settings: dict = {}
    errors: dict = {}
    for name, prop in _form_settings(schema):
        kind = _kind(prop)
        raw = form.get(PREFIX + name)
        if kind == "boolean":
            if raw is not None:
                settings[name] = True
            continue
        text = (raw or "").strip()
        if not text:
            continue
        try:
            settings[name] = _parse(kind, text)
        except ValueError as exc:
            errors[name] = str(exc)
    return settings, errors


def _parse(kind: str, text: str):
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "lines":
        return _lines(text)
    if kind == "options":
        options = []
        for line in _lines(text):
            value, bar, label = line.partition("|")
            options.append({"value": value.strip(), "label": label.strip()} if bar and label.strip() else value.strip())
        return options
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"is not valid JSON: {exc.msg} at position {exc.pos}") from None
    return text
