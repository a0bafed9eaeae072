"""The history settings of a section: capture on or off, and how much to keep.

Retention is never unbounded by accident: a section without its own limits keeps the
defaults below (at most ``DEFAULT_KEEP_VERSIONS`` versions of an entry, and no version
superseded more than ``DEFAULT_KEEP_DAYS`` days ago).
"""

from __future__ import annotations

from ..errors import InvalidInput

DEFAULT_KEEP_VERSIONS = 100
DEFAULT_KEEP_DAYS = 365
#: Upper bounds of the per-section limits (a larger one is a typo more likely than a wish).
MAX_KEEP_VERSIONS = 1_000_000
MAX_KEEP_DAYS = 36_500


def check_history_settings(values: dict) -> dict:
    """The history keys of a section update, checked and normalised (others untouched)."""
    checked = {}
    if "history" in values:
        value = values["history"]
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "on", "off"):
            value = value.strip().lower() in ("true", "on")
        if not isinstance(value, bool):
            raise InvalidInput("history must be true or false", field="history")
        checked["history"] = value
    for key, limit in (("history_keep_versions", MAX_KEEP_VERSIONS), ("history_keep_days", MAX_KEEP_DAYS)):
        if key not in values:
            continue
        value = values[key]
        if value in (None, ""):
            checked[key] = None  # back to the default
            continue
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise InvalidInput(f"{key} must be a whole number from 1 to {limit} (or empty for the default)",
                               field=key)
        checked[key] = value
    return checked


def retention_of(section: dict) -> tuple[int, int]:
    """(versions, days) a section keeps: its own limits, else the defaults."""
    return (section.get("history_keep_versions") or DEFAULT_KEEP_VERSIONS,
            section.get("history_keep_days") or DEFAULT_KEEP_DAYS)
