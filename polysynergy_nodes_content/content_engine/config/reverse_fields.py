"""Reverse relations: a field that lists the entries of another section whose single
relation points to this entry (PolySynergy's ``relation_one_to_many``).

It has no column and no junction table. Its type names the other side
(``reverse_relation``: a section id or handle and that section's field); the checks here
ask the other field's type hooks, never its handle, so any single relation type (a plugin,
an alias) can be the other side. The engine then reads the links from the other
section's table as if they were junction rows, and refuses writes that name the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from polysynergy_section_field.section_field_runner.base_field_type import is_uuid

from ..errors import InvalidInput, NotFound


@dataclass(frozen=True)
class ReverseLink:
    """Where a reverse field's links live: ``column`` of ``table`` (section ``section``)."""

    section: str
    table: sql.Identifier
    column: str

    def link_rows(self) -> sql.Composable:
        """The links as junction-shaped rows (source_id, target_id, sort_order, created_at):
        the related entries in the order they were created."""
        return sql.SQL("(SELECT o.{} AS source_id, o.id AS target_id, 0 AS sort_order, o.created_at "
                       "FROM {} AS o)").format(sql.Identifier(self.column), self.table)


def read_only_message(handle: str, link: ReverseLink | None) -> str:
    """Why a write may not name the reverse field ``handle``, and where to write instead."""
    where = f"'{link.section}.{link.column}'" if link is not None else "the related section's relation field"
    return (f"field '{handle}': is read only: it lists the {link.section if link else 'related'} entries whose "
            f"relation points here; set the relation on the other section's field {where} instead")



def points_back(ft, settings: dict, related_section_id, section_id) -> bool:
    """Whether a field (its type, settings and stored target id) is a single relation to
    ``section_id``: a column with a foreign key, asked of its type's hooks."""
    return bool(ft.stores_column(settings) and ft.foreign_key_target(settings) is not None
                and str(related_section_id) == str(section_id))


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
    if ft is None or not points_back(ft, settings, target["related_section_id"], section["id"]):
        raise InvalidInput(
            f"field '{handle}': relatedField '{other['handle']}.{related_field}' is not a single relation to section "
            f"'{section['handle']}' ({target['field_type_handle']}); point it at a field that links one "
            f"{section['handle']} entry", field=handle)
    return other


def resolve_link(conn, system_schema: str, content_schema: str, registry, section_id,
                 reverse: tuple[str, str]) -> ReverseLink | str:
    """The applied other side of a reverse field, or the reason it cannot be read yet."""
    ref, related_field = reverse
    column = "id" if is_uuid(ref) else "handle"
    row = conn.execute(sql.SQL("SELECT id, handle, applied_state FROM {} WHERE {} = %s").format(
        sql.Identifier(system_schema, "sections"), sql.Identifier(column)), (ref,)).fetchone()
    if row is None:
        return f"its related section '{ref[:80]}' does not exist"
    other_id, other_handle, applied = row
    if applied is None:
        return f"section '{other_handle}' has no table yet: apply its migration first"
    for f in applied.get("fields") or []:
        if f["handle"] != related_field:
            continue
        settings = f.get("field_settings") or {}
        if f["field_type_handle"] in registry and points_back(
                registry.get(f["field_type_handle"]), settings, f.get("related_section_id"), section_id):
            return ReverseLink(other_handle, sql.Identifier(content_schema, applied["section"]["table_name"]),
                               related_field)
        break
    return (f"its related field '{other_handle}.{related_field}' is not an applied single relation to this "
            f"section: apply the migration of section '{other_handle}' first")


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
            points_back(store.registry.get(row["field_type_handle"]), row["field_settings"] or {},
                        row["related_section_id"], existing["related_section_id"]):
        return
    listing = listing_fields(store, section, existing["handle"])
    if listing:
        what = "removed" if row is None else "renamed or changed into something else than the same relation"
        raise InvalidInput(
            f"field '{existing['handle']}': the reverse field(s) {', '.join(listing)} list the entries it links, so "
            f"it cannot be {what}; remove those fields first", field=existing["handle"])
