"""The parts of a section configuration every descriptor reads: its fields and title.

Descriptors describe the *applied* fields by default, because those are the ones the
entry API accepts; the configured ones are used before the first migration (or on
request) so a builder can preview its form.
"""

from __future__ import annotations

import json

#: Field types whose value reads well as an entry's title, in order of preference.
TITLE_TYPES = ("text", "slug", "email", "url", "phone", "select", "textarea")


def section_fields(section: dict, source: str = "applied") -> list[dict]:
    """Fields in ``sort_order``: the applied snapshot's (``source="applied"``) or the
    configured ones (``"configured"``). Without an applied state there are none."""
    if source not in ("applied", "configured"):
        raise ValueError("source must be 'applied' or 'configured'")
    if source == "applied":
        applied = section.get("applied_state") or {}
        configured = {str(f.get("id")): f for f in section.get("fields") or []}
        fields = [_presented(f, configured.get(str(f.get("id")))) for f in applied.get("fields") or []]
    else:
        fields = section.get("fields") or []
    return sorted(fields, key=lambda f: (f.get("sort_order") or 0, f.get("handle") or ""))


#: Keys that only change how a field is shown; they apply without a migration.
PRESENTATION_KEYS = ("label", "help_text", "placeholder", "ui_width", "tab_name", "sort_order", "is_visible")


def _presented(applied: dict, configured: dict | None) -> dict:
    """An applied field with the configured presentation (labels, widths, order...)."""
    if configured is None:
        return applied
    return dict(applied, **{k: configured.get(k) for k in PRESENTATION_KEYS if k in configured})


def title_field(section: dict, fields: list[dict]) -> str:
    """The field shown as an entry's title: the configured one, else the first
    text-like field, else ``id``."""
    handles = {f["handle"] for f in fields}
    configured = section.get("title_field_handle")
    if configured and configured in handles:
        return configured
    for kind in TITLE_TYPES:
        for f in fields:
            if f["field_type_handle"] == kind and not (f.get("field_settings") or {}).get("allowMultiple"):
                return f["handle"]
    return "id"


def relation_targets(section: dict, registry) -> dict[str, str]:
    """Applied relation fields of ``section``: handle -> target section handle.

    Asked of each field type's relation hooks, so a plugin relation type counts too."""
    targets = {}
    for f in section_fields(section, "applied"):
        if f["field_type_handle"] not in registry:
            continue
        ft, settings = registry.get(f["field_type_handle"]), f.get("field_settings") or {}
        if ft.is_relation(settings):
            targets[f["handle"]] = ft.relation_target(settings)
    return targets


def pending(section: dict) -> bool:
    """True when the configuration differs from what the table was migrated to."""
    return section.get("migration_status") != "migrated"


def default_of(field: dict):
    """A field's default value (the configuration keeps it as JSON text)."""
    raw = field.get("default_value")
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw
