"""Base of image and file: a reference to a stored file (not part of the plugin API).

The column holds where the file is, a path (``uploads/a.pdf``) or a URL
(``https://cdn.example.com/a.pdf``), at most 500 characters, as in PolySynergy. The
bytes live in storage; the upload step knows their size and kind, so it may send the
reference as an object, ``{"path": ..., "size": bytes, "mimeType": ..., "width": px,
"height": px}``: the size and kind rules of the settings are checked against it and
the path is stored. A plain string is checked for its extension only.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit

from .._common import require_str
from .._text_like import TextLikeFieldType

MAX_REFERENCE = 500
#: Keys of the object form and the kind each must have.
METADATA = {"size": int, "width": int, "height": int, "mimeType": str}


class FileReferenceType(TextLikeFieldType):
    """A path or URL in ``character varying(500)``; subclasses name the extension setting."""

    postgres_type = "VARCHAR(500)"
    extensions_setting = "allowedExtensions"
    default_extensions: tuple[str, ...] = ()
    default_max_size: int | None = None

    def column_type(self, settings: dict | None = None) -> str:
        return f"character varying({MAX_REFERENCE})"

    def extensions(self, settings: dict) -> list[str]:
        chosen = settings.get(self.extensions_setting)
        return [e.lower().lstrip(".") for e in (self.default_extensions if chosen is None else chosen)]

    def parse_value(self, value: Any, settings: dict | None = None) -> str:
        settings = settings or {}
        if isinstance(value, dict):
            return self.parse_object(value, settings)
        reference = require_str(value, "a path or URL (a string)").strip()
        if not reference:
            raise ValueError("must be a path or URL, not empty")
        if len(reference) > MAX_REFERENCE:
            raise ValueError(f"must be at most {MAX_REFERENCE} characters (got {len(reference)})")
        path = urlsplit(reference).path if "://" in reference else reference.split("?")[0].split("#")[0]
        extension = posixpath.splitext(path)[1].lower().lstrip(".")
        allowed = self.extensions(settings)
        if allowed and extension not in allowed:
            found = f"'.{extension}'" if extension else "no extension"
            raise ValueError(f"must be a {'/'.join(allowed)} file ({found} in '{reference[:80]}')")
        return reference

    def parse_object(self, value: dict, settings: dict) -> str:
        unknown = set(value) - set(METADATA) - {"path", "url"}
        if unknown:
            raise ValueError(f"has unknown keys {', '.join(sorted(unknown))} (allowed: path or url, "
                             f"{', '.join(METADATA)})")
        for key, kind in METADATA.items():
            item = value.get(key)
            if item is not None and (not isinstance(item, kind) or isinstance(item, bool)):
                raise ValueError(f"'{key}' must be {'a whole number' if kind is int else 'a string'}")
        reference = self.parse_value(value.get("path", value.get("url")), settings)
        message = self.check_metadata(value, settings)
        if message:
            raise ValueError(message)
        return reference

    def check_metadata(self, value: dict, settings: dict) -> str | None:
        limit = settings.get("maxFileSize", self.default_max_size)
        if limit is not None and value.get("size") is not None and value["size"] > limit:
            return f"is {value['size']} bytes; at most {limit} bytes are allowed (maxFileSize)"
        return None

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        return {}

    def value_json_schema(self, settings: dict) -> dict:
        """A value for forms and agents: the reference, or the object the upload step sends."""
        reference = {"type": "string", "minLength": 1, "maxLength": MAX_REFERENCE}
        metadata = {key: {"type": "integer", "minimum": 0} if kind is int else {"type": "string"}
                    for key, kind in METADATA.items()}
        return {"anyOf": [reference, {"type": "object", "additionalProperties": False,
                                      "properties": {"path": reference, "url": reference, **metadata}}]}
