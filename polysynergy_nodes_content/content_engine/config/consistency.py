"""Rules that keep the stored configuration plannable.

A configuration the planner cannot turn into a migration is refused when it is made,
with the field and the reason, instead of making every later plan fail: a type change
without a conversion from the applied type, a title field that is not a field of the
section. A field's default has one home, ``default_value``; the ``default`` some field
types accept in their settings is taken as that.
"""

from __future__ import annotations

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from ..errors import InvalidInput

_UNSET = object()


def take_settings_default(handle: str, settings: dict, given: dict, default_value):
    """Move ``settings.default`` into the field's default value.

    Returns (settings without ``default``, default value, whether it came from the
    settings). Giving both with different values is an error.
    """
    if "default" not in settings:
        return settings, default_value, False
    settings = dict(settings)
    from_settings = settings.pop("default")
    if "field_settings" not in given and default_value is not None:
        # Settings stored before defaults had one home: the stored default_value wins.
        return settings, default_value, False
    explicit = given.get("default_value", _UNSET)
    if explicit is not _UNSET and explicit is not None and explicit != from_settings:
        raise InvalidInput(
            f"field '{handle}': the default is given twice, as default_value {explicit!r} and as "
            f"settings.default {from_settings!r}; give it once (default_value)",
            field=handle,
        )
    if from_settings is None:
        return settings, (None if explicit is _UNSET else explicit), False
    return settings, from_settings, True


def applied_field(section: dict, field_id) -> dict | None:
    """The field as the live table reflects it (from the section's applied state), if any."""
    state = section.get("applied_state") or {}
    for field in state.get("fields") or []:
        if str(field.get("id")) == str(field_id):
            return field
    return None


def check_type_change(registry: FieldTypeRegistry, applied: dict | None, row: dict) -> None:
    """Refuse a new type or settings whose column the applied column cannot be converted to."""
    if applied is None or applied.get("field_type_handle") not in registry:
        return
    old_ft = registry.get(applied["field_type_handle"])
    new_ft = registry.get(row["field_type_handle"])
    old_settings = applied.get("field_settings") or {}
    new_settings = row["field_settings"] or {}
    if not (old_ft.stores_column(old_settings) and new_ft.stores_column(new_settings)):
        return
    if old_ft.column_type(old_settings) == new_ft.column_type(new_settings):
        return
    if old_ft.conversion_to(new_ft, old_settings, new_settings) is None:
        handle = row["handle"]
        raise InvalidInput(
            f"field '{handle}': its column cannot be converted from {old_ft.handle} "
            f"({old_ft.column_type(old_settings)}) to {new_ft.handle} ({new_ft.column_type(new_settings)}); "
            "no conversion exists between these types. Add a new field and copy the data instead",
            field=handle,
        )


def check_title_field(section: dict, title: str | None, fields: list[dict], registry: FieldTypeRegistry) -> None:
    """A title field must be one of the section's fields with a column of its own."""
    if title is None:
        return
    for field in fields:
        if field["handle"] == title:
            if field["field_type_handle"] in registry and not registry.get(field["field_type_handle"]).stores_column(
                    field["field_settings"] or {}):
                raise InvalidInput(
                    f"title field '{title}' of section '{section['handle']}' keeps no value of its own "
                    f"({field['field_type_handle']} with several values); choose a field with one value",
                    field="title_field_handle",
                )
            return
    known = ", ".join(f["handle"] for f in fields)
    hint = f"its fields: {known}" if known else "it has no fields yet; add the field first, then set it as title field"
    raise InvalidInput(
        f"title field '{title}' is not a field of section '{section['handle']}' ({hint})",
        field="title_field_handle",
    )
