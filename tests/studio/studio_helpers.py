"""Helpers for the descriptor and studio tests."""

from __future__ import annotations


def build(engine, handle: str, fields: list[dict], apply: bool = True, **section) -> dict:
    """A section with ``fields`` (keyword dicts for ``add_field``), applied unless told not to."""
    created = engine.create_section(handle, section.get("label"), title_field_handle=section.get("title_field"))
    for f in fields:
        engine.add_field(created["id"], **f)
    if apply:
        plan = engine.plan_migration(created["id"])
        engine.apply_migration(plan["id"], confirm=True)
    return engine.get_section(created["id"])
