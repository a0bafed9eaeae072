"""The field-type registry: built-ins, entry-point plugins and classes added at run time.

Duplicate handles are an error: a plugin that silently replaced ``text`` would change
how existing columns are validated.
"""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from typing import Iterable

from .base_field_type import FieldType
from .errors import DuplicateFieldTypeError, UnknownFieldTypeError

ENTRY_POINT_GROUP = "polysynergy_section_field.field_types"
_HANDLE = re.compile(r"^[a-z][a-z0-9_]*$")


class FieldTypeRegistry:
    """Field types by handle, each held as one shared (stateless) instance."""

    def __init__(self, types: Iterable[type[FieldType]] = ()):
        self._types: dict[str, FieldType] = {}
        for cls in types:
            self.register(cls)

    def register(self, cls: type[FieldType] | FieldType) -> FieldType:
        """Add a field type class (or instance); raise on a bad or duplicate handle."""
        instance = cls() if isinstance(cls, type) else cls
        if not isinstance(instance, FieldType):
            raise TypeError(f"{cls!r} is not a FieldType")
        handle = instance.handle
        if not isinstance(handle, str) or not _HANDLE.match(handle) or len(handle) > 63:
            raise ValueError(f"Field type {type(instance).__name__} has an invalid handle {handle!r}")
        if not instance.label:
            raise ValueError(f"Field type '{handle}' has no label")
        existing = self._types.get(handle)
        if existing is not None:
            if type(existing) is type(instance):
                return existing
            raise DuplicateFieldTypeError(
                f"Field type handle '{handle}' is registered twice: by "
                f"{type(existing).__module__}.{type(existing).__name__} and "
                f"{type(instance).__module__}.{type(instance).__name__}"
            )
        self._types[handle] = instance
        return instance

    def unregister(self, handle: str) -> None:
        self._types.pop(handle, None)

    def get(self, handle: str) -> FieldType:
        try:
            return self._types[handle]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._types))
            raise UnknownFieldTypeError(f"Unknown field type '{handle}' (known: {known})") from None

    def __contains__(self, handle: object) -> bool:
        return handle in self._types

    def __iter__(self):
        return iter(self._types.values())

    def __len__(self) -> int:
        return len(self._types)

    def handles(self) -> list[str]:
        return sorted(self._types)

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register every field type that installed packages publish; return their handles."""
        added = []
        for ep in entry_points(group=group):
            loaded = ep.load()
            classes = loaded if isinstance(loaded, (list, tuple)) else [loaded]
            for cls in classes:
                added.append(self.register(cls).handle)
        return added
