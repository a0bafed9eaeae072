"""Reverse relations as configured: a field that lists the entries of another section
whose single relation points to this entry (PolySynergy's ``relation_one_to_many``).

Its type names the other side (``reverse_relation``: a section id or handle and that
section's field); the checks here ask the other field's type hooks, never its handle, so
any single relation type (a plugin, an alias) can be the other side. Reading the links
and refusing writes that name the field is ``entries/reverse_links``.
"""

from __future__ import annotations

from psycopg import sql

from ..errors import InvalidInput, NotFound


def check_reverse_field(store, handle: str, reverse: tuple[str, str], section: dict, values: dict) -> dict:
    """Refuse a reverse field whose other side is not a single relation to ``section``
    (configured fields); return the other section. ``values``: the field's other options."""
    ref, related_field = reverse
    for option, what in (("is_required", "required"), ("is_unique", "unique")):
        if values.get(option):
            raise InvalidInput(f"field '{handle}': a one-to-many relation keeps no value of its own, so it cannot "
                               f"be {what}", field=handle)
    if values.get("default_value") is not None:
        raise InvalidInput(f"field '{handle}': a one-to-many relation keeps no value of its own, so it cannot have "
                           "a default value", field=handle)
    if ref in (str(section["id"]), section["handle"]):
        other = section
    else:
        try:
            other = store.find_section(ref)
        except NotFound:
            raise InvalidInput(f"field '{handle}': relatedSection '{ref[:80]}' is not a section (give a section id "
                               "or handle)", field=handle) from None
    fields = {f["handle"]: f for f in store.fields(other["id"])}
    target = fields.get(related_field)
    if target is None:
        known = ", ".join(sorted(fields)) or "none"
        raise InvalidInput(f"field '{handle}': relatedField '{related_field}' is not a field of section "
                           f"'{other['handle']}' (its fields: {known})", field=handle)
    ft = store.registry.get(target["field_type_handle"]) if target["field_type_handle"] in store.registry else None
    settings = target["field_settings"] or {}
    if ft is None or not ft.links_one_entry_of(settings, target["related_section_id"], section["id"]):
        raise InvalidInput(
            f"field '{handle}': relatedField '{other['handle']}.{related_field}' is not a single relation to section "
            f"'{section['handle']}' ({target['field_type_handle']}); point it at a field that links one "
            f"{section['handle']} entry", field=handle)
    return other


def listing_fields(store, section: dict, field_handle: str) -> list[str]:
    """``section.field`` names of reverse fields whose other side is ``field_handle`` of ``section``."""
    rows = store._all(sql.SQL(
        "SELECT s.handle AS section, f.handle, f.field_type_handle, f.field_settings FROM {} f JOIN {} s "
        "ON s.id = f.section_id WHERE f.related_section_id = %s ORDER BY 1, 2").format(
        store._t("section_fields"), store._t("sections")), (section["id"],))
    out = []
    for row in rows:
        if row["field_type_handle"] not in store.registry:
            continue
        reverse = store.registry.get(row["field_type_handle"]).reverse_relation(row["field_settings"] or {})
        if reverse is not None and reverse[1] == field_handle:
            out.append(f"{row['section']}.{row['handle']}")
    return out


def check_not_listed(store, section: dict, existing: dict, row: dict | None) -> None:
    """Refuse removing a single relation (``row`` None), renaming it or making it anything
    else while a reverse field lists it."""
    if row is not None and row["handle"] == existing["handle"] and row["field_type_handle"] in store.registry and \
            store.registry.get(row["field_type_handle"]).links_one_entry_of(
                row["field_settings"] or {}, row["related_section_id"], existing["related_section_id"]):
        return
    listing = listing_fields(store, section, existing["handle"])
    if listing:
        what = "removed" if row is None else "renamed or changed into something else than the same relation"
        raise InvalidInput(
            f"field '{existing['handle']}': the reverse field(s) {', '.join(listing)} list the entries it links, so "
            f"it cannot be {what}; remove those fields first", field=existing["handle"])
