"""Reading a reverse relation (PolySynergy's ``relation_one_to_many``): where its links
live, and why a write may not name it.

The field has no column and no junction table: its links are the rows of the other
section whose single relation points here, read as if they were junction rows. The
configuration's side (which fields may be reverse fields) is ``config/reverse_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from polysynergy_section_field.section_field_runner.base_field_type import is_uuid


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


def resolve_link(conn, system_schema: str, content_schema: str, registry, section_id,
                 reverse: tuple[str, str]) -> ReverseLink | str:
    """The applied other side of a reverse field, or the reason it cannot be read yet."""
    ref, related_field = reverse
    column = "id" if is_uuid(ref) else "handle"
    row = conn.execute(sql.SQL("SELECT id, handle, applied_state, table_schema FROM {} WHERE {} = %s").format(
        sql.Identifier(system_schema, "sections"), sql.Identifier(column)), (ref,)).fetchone()
    if row is None:
        return f"its related section '{ref[:80]}' does not exist"
    other_id, other_handle, applied, other_schema = row
    if applied is None:
        return f"section '{other_handle}' has no table yet: apply its migration first"
    for f in applied.get("fields") or []:
        if f["handle"] != related_field:
            continue
        settings = f.get("field_settings") or {}
        if f["field_type_handle"] in registry and registry.get(f["field_type_handle"]).links_one_entry_of(
                settings, f.get("related_section_id"), section_id):
            return ReverseLink(other_handle, sql.Identifier(other_schema or content_schema,
                                                                  applied["section"]["table_name"]),
                               related_field)
        break
    return (f"its related field '{other_handle}.{related_field}' is not an applied single relation to this "
            f"section: apply the migration of section '{other_handle}' first")
