"""Image: a reference to a stored image, with PolySynergy's format and size settings."""

from __future__ import annotations

from typing import Any

from ...section_field_runner.field_type_decorator import field_type
from .._common import object_schema, prop
from ._file_reference import FileReferenceType

IMAGE_FORMATS = ["jpg", "jpeg", "png", "gif", "webp", "svg"]


@field_type(category="media", icon="image.svg")
class ImageField(FileReferenceType):
    """The path or URL of an image whose extension is one of ``allowedFormats``; an
    object value is also checked against ``maxFileSize``, ``maxWidth`` and ``maxHeight``."""

    handle = "image"
    label = "Image"
    ui_component = "image-upload"
    table_cell_component = "ImageCell"
    form_input_component = "ImageUpload"
    description = "A reference (path or URL) to a stored image."
    extensions_setting = "allowedFormats"
    default_extensions = ("jpg", "jpeg", "png", "gif", "webp")
    default_max_size = 5242880

    @property
    def settings_schema(self) -> dict:
        size = {"type": "object", "additionalProperties": False, "required": ["name", "width", "height"],
                "properties": {"name": {"type": "string", "maxLength": 63},
                               "width": {"type": "integer", "minimum": 1},
                               "height": {"type": "integer", "minimum": 1}}}
        return object_schema({
            "maxFileSize": prop("integer", "Maximum file size", "Largest image in bytes.",
                                minimum=1, default=self.default_max_size),
            "allowedFormats": prop("array", "Allowed formats", "Extensions an image may have.",
                                   items={"type": "string", "enum": IMAGE_FORMATS}, uniqueItems=True,
                                   default=list(self.default_extensions)),
            "maxWidth": prop("integer", "Maximum width", "Widest image in pixels.", minimum=1),
            "maxHeight": prop("integer", "Maximum height", "Tallest image in pixels.", minimum=1),
            "generateThumbnails": prop("boolean", "Generate thumbnails",
                                       "A hint for the upload step.", default=True),
            "thumbnailSizes": prop("array", "Thumbnail sizes", "Sizes the upload step makes.", items=size),
        })

    def check_metadata(self, value: dict, settings: dict) -> str | None:
        for side, setting in (("width", "maxWidth"), ("height", "maxHeight")):
            limit = settings.get(setting)
            if limit is not None and value.get(side) is not None and value[side] > limit:
                return f"is {value[side]} px {'wide' if side == 'width' else 'high'}; at most {limit} ({setting})"
        return super().check_metadata(value, settings)

    def table_cell_props(self, value: Any, settings: dict) -> dict:
        return {"src": value, "size": "small"}

    def form_input_props(self, settings: dict) -> dict:
        return {"maxFileSize": settings.get("maxFileSize", self.default_max_size),
                "allowedFormats": self.extensions(settings),
                "maxWidth": settings.get("maxWidth"), "maxHeight": settings.get("maxHeight"),
                "generateThumbnails": settings.get("generateThumbnails", True),
                "thumbnailSizes": settings.get("thumbnailSizes")}
