"""Sections and fields: the desired configuration, kept in the system tables.

Changing the configuration never touches a section's table; it bumps the section's
``config_version`` and marks it ``pending`` until a reviewed migration is applied.
The work is split by job: lookups and snapshots (``config/reader``), a section's own
settings (``config/sections``), its fields (``config/fields``).
"""

from __future__ import annotations

from ..json_values import json_safe
from .fields import FieldConfig
from .sections import SectionConfig
from .values import FIELD_KEYS, SECTION_KEYS, UI_WIDTHS


class ConfigStore(SectionConfig, FieldConfig):
    """Reads and writes sections and fields over one connection (the caller's transaction)."""


__all__ = ["ConfigStore", "json_safe", "FIELD_KEYS", "SECTION_KEYS", "UI_WIDTHS"]
