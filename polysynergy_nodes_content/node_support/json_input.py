"""Coercion of node inputs into the plain values the engine expects.

The PolySynergy runtime hands a node its inputs in several shapes: a dict from a
connection, a JSON string typed in a dock, ``[]`` for a dict left empty in the editor,
or a list of ``{"handle": key, "value": value}`` pairs for a dict edited in the dock.
An agent's path tool sends every argument as a string, all of them required: ``"10"``,
``"true"``, JSON text, and ``""`` or ``"null"`` for a value it does not want to give.
Every function here accepts those shapes and raises ``InvalidInput`` naming the input
when a value cannot be used.
"""

from __future__ import annotations

import json
import math
import re

from polysynergy_nodes_content.content_engine.errors import InvalidInput

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")
_INTEGER = re.compile(r"^[+-]?\d+$")
_PAIR_KEYS = {"handle", "value"}
#: What a path tool sends for an argument it leaves out (every argument is required there).
_NOT_GIVEN_TEXT = ("", "null")


def is_not_given(value) -> bool:
    """True for None and for the text a path tool sends instead: ``""`` or ``"null"``."""
    if value is None:
        return True
    return isinstance(value, str) and value.strip().lower() in _NOT_GIVEN_TEXT


def _describe(value) -> str:
    if value is None:
        return "nothing"
    return type(value).__name__


def parse_json_text(text: str, name: str):
    """Decode a JSON string given to input ``name``; the error says where it failed."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field=name
        ) from None


def is_handle_value_pairs(value) -> bool:
    """True for the dock's dict shape: a non-empty list of {"handle": k, "value": v} items.

    Same test as the runtime's code generator: every item is a dict with both keys
    (other keys, such as a ``type`` column, are allowed).
    """
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(isinstance(item, dict) and _PAIR_KEYS <= set(item) and isinstance(item["handle"], str) for item in value)


def _typed_pair_value(value, type_name, name: str, key: str):
    """Convert a dock pair value according to its optional ``type`` column."""
    kind = str(type_name or "").strip().lower()
    label = f"{name}.{key}"
    if kind in ("", "str", "string", "text", "any"):
        return value
    if not isinstance(value, str):
        return value
    if kind in ("int", "integer"):
        return coerce_int(value, label)
    if kind in ("float", "number", "decimal"):
        try:
            return float(value)
        except ValueError:
            raise InvalidInput(f"{label} must be a number", field=name) from None
    if kind in ("bool", "boolean"):
        return coerce_bool(value, label)
    if kind in ("dict", "list", "json", "object", "array"):
        return parse_json_text(value, label) if value.strip() else None
    return value


def _looks_like_json_container(value) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (text.startswith("[") and text.endswith("]")) or (text.startswith("{") and text.endswith("}"))


def pairs_to_dict(pairs, name: str, decode_nested: bool = False) -> dict:
    """``[{"handle": k, "value": v}, ...]`` -> ``{k: v, ...}`` (later keys win)."""
    result = {}
    for item in pairs:
        key = item["handle"].strip()
        if not key:
            continue
        value = _typed_pair_value(item["value"], item.get("type"), name, key)
        if decode_nested and _looks_like_json_container(value):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass  # an ordinary text value that merely starts with a bracket
        result[key] = value
    return result


def coerce_object(value, name: str, decode_nested: bool = False, allow_none: bool = False) -> dict | None:
    """A JSON-object input as a new dict.

    Empty values (None, "", "null", ``[]``, ``{}``) give ``{}``, or None when ``allow_none``.
    ``decode_nested`` also decodes dock pair values written as JSON arrays/objects
    (e.g. select options typed as ``["a", "b"]`` in the dock).
    """
    original = value
    if isinstance(value, str):
        if is_not_given(value):
            return None if allow_none else {}
        value = parse_json_text(value, name)
    if value is None:
        return None if allow_none else {}
    if isinstance(value, dict):
        if not value and allow_none:
            return None
        return dict(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return None if allow_none else {}
        if is_handle_value_pairs(value):
            return pairs_to_dict(value, name, decode_nested)
    shown = "a JSON string holding " + _describe(value) if isinstance(original, str) else _describe(value)
    raise InvalidInput(f"{name} must be a JSON object (key/value pairs), got {shown}", field=name)


def coerce_entry_data(value, name: str) -> dict | list[dict]:
    """Entry values: one object, or a list of objects for a batch.

    A list of handle/value pairs is one object (the dock's dict shape); any other
    non-empty list is a batch whose items are each coerced like an object.
    """
    original = value
    if isinstance(value, str):
        if is_not_given(value):
            return {}
        value = parse_json_text(value, name)
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return {}
        if is_handle_value_pairs(value):
            return pairs_to_dict(value, name)
        return [coerce_object(item, f"{name}[{index}]") for index, item in enumerate(value)]
    shown = "a JSON string holding " + _describe(value) if isinstance(original, str) else _describe(value)
    raise InvalidInput(f"{name} must be a JSON object or a list of objects, got {shown}", field=name)


def coerce_bool(value, name: str, default: bool = False) -> bool:
    """A boolean input; accepts the strings true/false/yes/no/on/off/1/0 and 0/1.

    Not given (None, ``""``, ``"null"``) gives ``default``.
    """
    if isinstance(value, bool):
        return value
    if is_not_given(value):
        return default
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise InvalidInput(f"{name} must be true or false, got {value!r}", field=name)


def coerce_int(value, name: str, default: int | None = None) -> int | None:
    """A whole-number input; not given (None, ``""``, ``"null"``) gives ``default``."""
    if is_not_given(value):
        return default
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, got {value!r}", field=name)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    raise InvalidInput(f"{name} must be a whole number, got {value!r}", field=name)


def required_text(value, name: str) -> str:
    """A required text input (an id, a handle, a label), stripped."""
    text = optional_text(value, name)
    if text is None:
        raise InvalidInput(f"{name} is required", field=name)
    return text


def optional_text(value, name: str) -> str | None:
    """A text input; not given (None, ``""``, ``"null"``) gives None. Numbers and UUIDs become text."""
    if is_not_given(value):
        return None
    if isinstance(value, (dict, list, tuple, bool)):
        raise InvalidInput(f"{name} must be text, got {_describe(value)}", field=name)
    text = str(value).strip()
    return text or None


def optional_value(value, name: str):
    """A value of any JSON kind (a field default): not given gives None; JSON text of an
    object or a list is decoded, any other text is kept as it is (``"10"`` for a number
    field is converted by the field type)."""
    if is_not_given(value):
        return None
    if _looks_like_json_container(value):
        return parse_json_text(value, name)
    return value
