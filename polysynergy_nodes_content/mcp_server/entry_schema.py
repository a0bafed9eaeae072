"""The JSON Schema (draft 2020-12) of a section's entries, for an agent to write valid values.

A small translation of each field's type and settings: the kinds of values, lengths,
ranges, options and formats. The engine stays the judge (it validates every write and
its message names the field); the schema lets an agent get it right the first time.
"""

from __future__ import annotations

DRAFT = "https://json-schema.org/draft/2020-12/schema"
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_STRING_FORMATS = {"email": "email", "url": "uri", "date": "date", "datetime": "date-time", "time": "time"}
#: Formats are only annotations to most validators: patterns make the shape checkable everywhere.
_PATTERNS = {
    "url": r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s]+$",
    "date": r"^\d{4}-\d{2}-\d{2}$",
    "datetime": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$",
    "time": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
}
_TEXT_TYPES = {"text", "textarea", "slug", "email", "url", "phone", "color"}
_EXACT_DECIMALS = {"decimal", "currency"}


def _option_values(settings: dict) -> list:
    return [o["value"] if isinstance(o, dict) else o for o in settings.get("options") or []]


def _bounds(schema: dict, settings: dict) -> dict:
    if isinstance(settings.get("min"), (int, float)):
        schema["minimum"] = settings["min"]
    if isinstance(settings.get("max"), (int, float)):
        schema["maximum"] = settings["max"]
    return schema


def value_schema(type_handle: str, settings: dict | None) -> dict:
    """The schema of one non-null value of a field type with these settings."""
    settings = settings or {}
    if type_handle in _TEXT_TYPES:
        schema = {"type": "string"}
        for key in ("maxLength", "minLength"):
            if isinstance(settings.get(key), int):
                schema[key] = settings[key]
        if type_handle in _STRING_FORMATS:
            schema["format"] = _STRING_FORMATS[type_handle]
        if type_handle in _PATTERNS:
            schema["pattern"] = _PATTERNS[type_handle]
        return schema
    if type_handle in ("date", "datetime", "time"):
        return {"type": "string", "format": _STRING_FORMATS[type_handle], "pattern": _PATTERNS[type_handle]}
    if type_handle == "boolean":
        return {"type": "boolean"}
    if type_handle == "integer":
        return _bounds({"type": "integer"}, settings)
    if type_handle in ("number", "percentage"):
        return _bounds({"type": "number"}, settings)
    if type_handle in _EXACT_DECIMALS:
        return {"type": ["string", "number"], "pattern": r"^-?\d+(\.\d+)?$",
                "description": "an exact decimal; send it as a string to keep every digit"}
    if type_handle == "select":
        return {"enum": _option_values(settings)}
    if type_handle == "multi_select":
        schema = {"type": "array", "items": {"enum": _option_values(settings)}, "uniqueItems": True}
        for key in ("minItems", "maxItems"):
            if isinstance(settings.get(key), int):
                schema[key] = settings[key]
        return schema
    if type_handle == "relation":
        single = {"type": "string", "pattern": UUID_PATTERN,
                  "description": f"id of an entry of section '{settings.get('targetSection')}'"}
        if settings.get("allowMultiple"):
            schema = {"type": "array", "items": single}
            if isinstance(settings.get("maxItems"), int):
                schema["maxItems"] = settings["maxItems"]
            return schema
        return single
    if type_handle == "json":
        return dict(settings["schema"]) if isinstance(settings.get("schema"), dict) else {}
    return {}  # a plugin type: the engine validates it


def field_schema(field: dict) -> dict:
    """One property: the value schema, nullable unless required, with label and help text."""
    schema = value_schema(field["field_type_handle"], field.get("field_settings"))
    if not field.get("is_required"):
        schema = {"anyOf": [schema, {"type": "null"}]}
    schema["title"] = field.get("label") or field["handle"]
    notes = [f"field type {field['field_type_handle']}"]
    if field.get("is_unique"):
        notes.append("unique: no two entries may share a value")
    if field.get("help_text"):
        notes.append(str(field["help_text"]))
    schema["description"] = "; ".join(notes)
    return schema


def entry_schema(section: dict, fields: list[dict]) -> dict:
    """The schema of the object create_entries takes for one entry of ``section``."""
    return {
        "$schema": DRAFT,
        "title": f"An entry of {section.get('label') or section['handle']}",
        "type": "object",
        "properties": {f["handle"]: field_schema(f) for f in fields},
        "required": [f["handle"] for f in fields if f.get("is_required") and f.get("default_value") is None],
        "additionalProperties": False,
    }
