"""JSON Schema (draft 2020-12) of one field's value: the engine's rules, written as
keywords a client validator understands.

Patterns avoid ``$`` (Python's ``$`` also matches before a final newline) and end with
``(?![\\s\\S])``, which means "end of text" in Python and in ECMAScript alike. Where a
rule cannot be said in JSON Schema (a Python pattern, date bounds, email syntax beyond
its shape) the schema is looser than the engine and says so in ``x-engine-checks``; it
never refuses a value the engine would accept in its canonical JSON form.
"""

from __future__ import annotations

from polysynergy_section_field.field_types._common import BIGINT_MAX, BIGINT_MIN, SLUG_PATTERN

from .widgets import options_of

END = r"(?![\s\S])"
NO_NUL = r"^[^\u0000]*" + END
DOUBLE_MAX = 1.7976931348623157e308
UUID_PATTERN = r"^\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*" + END
TIME_PATTERN = r"^\s*(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?\s*" + END
DATETIME_PREFIX = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}"
COLOR_INPUT = r"^\s*#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\s*" + END


def _anchored(pattern: str) -> str:
    """A ``^...$`` pattern of the field types with its end made exact."""
    return pattern[:-1] + END if pattern.endswith("$") else pattern


def _text(settings: dict, **extra) -> dict:
    schema = {"type": "string", "pattern": NO_NUL, **extra}
    if settings.get("maxLength") is not None:
        schema["maxLength"] = settings["maxLength"]
    if settings.get("minLength") is not None:
        schema["minLength"] = settings["minLength"]
    return schema


def _text_rule(settings: dict) -> dict:
    schema = _text(settings)
    if settings.get("pattern"):
        schema["allOf"] = [{"pattern": "^(?:" + settings["pattern"] + ")" + END}]
        schema["x-engine-checks"] = ["pattern is a Python regular expression (re.fullmatch)"]
    return schema


def _number_bounds(schema: dict, low, high, floor=None, ceiling=None) -> dict:
    schema["minimum"] = low if floor is None else (floor if low is None else max(low, floor))
    schema["maximum"] = high if ceiling is None else (ceiling if high is None else min(high, ceiling))
    return {k: v for k, v in schema.items() if v is not None}


def _to_number(value):
    if isinstance(value, str):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _decimal(settings: dict, precision: int, scale: int) -> dict:
    whole = precision - scale
    fraction = r"(?:\.[0-9]{0,%d}0*)?" % scale if scale else r"(?:\.0*)?"
    digits = r"0*[0-9]{0,%d}" % whole
    text = r"^\s*[-+]?(?=\.?[0-9])" + digits + fraction + r"\s*" + END
    limit = 10 ** whole
    number = _number_bounds({"type": "number", "exclusiveMinimum": -limit, "exclusiveMaximum": limit},
                            _to_number(settings.get("min")), _to_number(settings.get("max")))
    string = {"type": "string", "pattern": text}
    checks = [f"at most {scale} decimal places"]
    if settings.get("min") is not None or settings.get("max") is not None:
        checks.append("min/max also apply to decimal strings")
    return {"anyOf": [number, string], "x-engine-checks": checks}


def _percentage(settings: dict) -> dict:
    low, high = settings.get("min", 0), settings.get("max", 100)
    schema = _number_bounds({"type": "number"}, low, high)
    schema["x-engine-checks"] = ["rounded to 4 decimal places before the range check"]
    return schema


def _temporal(settings: dict, **rule) -> dict:
    schema = {"type": "string", **rule}
    if settings.get("min") is not None or settings.get("max") is not None:
        schema["x-engine-checks"] = [f"not earlier than {settings.get('min')} / not later than {settings.get('max')}"]
    return schema


def _case_free(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "\\" + c if c in ".+" else c for c in word)


def _url(settings: dict) -> dict:
    schemes = settings.get("allowedSchemes") or ["http", "https"]
    prefix = "|".join(_case_free(s) for s in schemes)
    schema = _text(settings, format="uri")
    schema["allOf"] = [{"pattern": r"^\s*(?:" + prefix + ")://"}]
    schema["x-engine-checks"] = ["parsed with urllib: needs a host, no spaces"]
    return schema


#: One entry id of a section that keeps an adopted table's own key (entries show ids as text).
KEY_ID_SCHEMAS = {
    "bigint": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\s*-?[0-9]+\s*" + END}]},
    "integer": {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\s*-?[0-9]+\s*" + END}]},
    "text": {"type": "string", "minLength": 1},
}


def related_id_schema(id_type: str | None) -> dict:
    """One entry id of a related section: a UUID, or the adopted table's own key."""
    if id_type in KEY_ID_SCHEMAS:
        return dict(KEY_ID_SCHEMAS[id_type], **{"x-entry-id-type": id_type})
    return {"type": "string", "format": "uuid", "pattern": UUID_PATTERN}


def related_ids_schema(id_type: str, settings: dict, many: bool) -> dict:
    """A relation's value when its target section keeps a key other than uuid."""
    return _one_or_many(related_id_schema(id_type), settings, many)


def _relation(settings: dict, many: bool) -> dict:
    return _one_or_many(related_id_schema(None), settings, many)


def _one_or_many(one: dict, settings: dict, many: bool) -> dict:
    """One related id, or (a multiple relation) a list of distinct ones up to ``maxItems``."""
    if not many:
        return one
    schema = {"type": "array", "items": one, "uniqueItems": True}
    if settings.get("maxItems") is not None:
        schema["maxItems"] = settings["maxItems"]
    return schema


def _select(settings: dict) -> dict:
    options = options_of(settings)
    return {"type": "string", "oneOf": [{"const": o["value"], "title": o["label"]} for o in options]}


def _multi_select(settings: dict) -> dict:
    schema = {"type": "array", "uniqueItems": True,
              "items": {"type": "string", "enum": [o["value"] for o in options_of(settings)]}}
    for key in ("minItems", "maxItems"):
        if settings.get(key) is not None:
            schema[key] = settings[key]
    return schema


def value_schema(type_handle: str, settings: dict, field_type=None) -> dict:
    """The schema of a non-null value of a field. Plugin types may provide their own
    through a ``value_json_schema(settings)`` method; otherwise ``{}`` (anything)."""
    s = settings or {}
    if field_type is not None and field_type.is_relation(s):
        # Asked of the type, so a plugin relation type gets the same schema.
        return _relation(s, field_type.uses_junction(s))
    if type_handle == "text":
        return _text_rule(s)
    if type_handle == "textarea":
        return _text(s)
    if type_handle == "slug":
        return _text(s, pattern=_anchored(SLUG_PATTERN))
    if type_handle == "email":
        return _text(s, format="email") | {"x-engine-checks": ["syntax checked by email-validator; spaces trimmed"]}
    if type_handle == "url":
        return _url(s)
    if type_handle == "phone":
        return {"type": "string", "pattern": r"^[\s().+0-9-]*" + END,
                "x-engine-checks": ["6 to 15 digits once spaces, dashes, dots and parentheses are removed"]}
    if type_handle == "color":
        return {"type": "string", "pattern": COLOR_INPUT}
    if type_handle == "integer":
        return _number_bounds({"type": "integer"}, s.get("min"), s.get("max"), BIGINT_MIN, BIGINT_MAX)
    if type_handle == "number":
        return _number_bounds({"type": "number"}, s.get("min"), s.get("max"), -DOUBLE_MAX, DOUBLE_MAX)
    if type_handle == "decimal":
        return _decimal(s, int(s.get("precision", 12)), int(s.get("scale", 2)))
    if type_handle == "currency":
        return _decimal(s, int(s.get("precision", 14)), int(s.get("scale", 2)))
    if type_handle == "percentage":
        return _percentage(s)
    if type_handle == "boolean":
        return {"type": "boolean"}
    if type_handle == "date":
        return _temporal(s, format="date")
    if type_handle == "datetime":
        return _temporal(s, format="date-time", pattern=DATETIME_PREFIX)
    if type_handle == "time":
        return _temporal(s, format="time", pattern=TIME_PATTERN)
    if type_handle == "select":
        return _select(s)
    if type_handle == "multi_select":
        return _multi_select(s)
    if type_handle == "relation":
        return _relation(s, bool(s.get("allowMultiple")))
    if type_handle == "json":
        return dict(s.get("schema") or {})
    own = getattr(field_type, "value_json_schema", None)
    return own(s) if callable(own) else {}
