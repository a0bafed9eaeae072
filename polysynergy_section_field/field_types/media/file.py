"""File: a reference to a stored file, with PolySynergy's extension and size settings."""

from __future__ import annotations

from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop
from ._file_reference import FileReferenceType


@field_type(category="media", icon="file.svg")
class FileField(FileReferenceType):
    """The path or URL of a file whose extension is one of ``allowedExtensions``; an
    object value is also checked against ``maxFileSize`` and ``allowedMimeTypes``."""

    handle = "file"
    label = "File"
    ui_component = "file-upload"
    table_cell_component = "FileCell"
    form_input_component = "FileUpload"
    description = "A reference (path or URL) to a stored file."
    default_extensions = ("pdf", "doc", "docx", "xls", "xlsx", "txt", "zip")
    default_max_size = 10485760

    @property
    def settings_schema(self) -> dict:
        return object_schema({
            "maxFileSize": prop("integer", "Maximum file size", "Largest file in bytes.",
                                minimum=1, default=self.default_max_size),
            "allowedExtensions": prop("array", "Allowed extensions", "Extensions a file may have.",
                                      items={"type": "string", "pattern": r"^\.?[A-Za-z0-9]{1,16}$"},
                                      uniqueItems=True, default=list(self.default_extensions)),
            "allowedMimeTypes": prop("array", "Allowed MIME types", "Kinds a file may be (checked when "
                                     "the value says its mimeType).",
                                     items={"type": "string", "pattern": r"^[\w.+-]+/[\w.+*-]+$"}),
            "multipleFiles": prop("boolean", "Multiple files", "One file per field (the column holds one "
                                  "reference).", enum=[False], default=False),
        })

    def check_metadata(self, value: dict, settings: dict) -> str | None:
        kinds, kind = settings.get("allowedMimeTypes"), value.get("mimeType")
        if kinds and kind is not None and not any(
                kind == allowed or (allowed.endswith("/*") and kind.startswith(allowed[:-1])) for allowed in kinds):
            return f"is a {kind} file; allowed: {', '.join(kinds)} (allowedMimeTypes)"
        return super().check_metadata(value, settings)

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        return {"showIcon": True}

    def form_input_props(self, settings: dict) -> dict:
        return {"maxFileSize": settings.get("maxFileSize", self.default_max_size),
                "allowedExtensions": self.extensions(settings),
                "allowedMimeTypes": settings.get("allowedMimeTypes"), "multipleFiles": False}
