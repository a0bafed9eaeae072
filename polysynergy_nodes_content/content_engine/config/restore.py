"""Putting a section's configuration back as a migration record remembers it (rollback)."""

from __future__ import annotations

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from ..errors import Refused
from ..settings import EngineSettings


def restore_configuration(conn: psycopg.Connection, settings: EngineSettings, section_id, state: dict | None) -> None:
    """Make the section's fields, handle and activity exactly ``state`` (None: no fields)."""
    t_fields = sql.Identifier(settings.system_schema, "section_fields")
    t_sections = sql.Identifier(settings.system_schema, "sections")
    if state is None:
        conn.execute(sql.SQL("DELETE FROM {} WHERE section_id = %s").format(t_fields), (section_id,))
        return
    title = _restored_title_field(conn, t_fields, t_sections, section_id, state)
    keep_ids = [f["id"] for f in state["fields"]]
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE section_id = %s AND NOT (id = ANY(%s::uuid[]))").format(t_fields),
        (section_id, keep_ids),
    )
    # Free handles first so a swap of two handles cannot hit the unique key.
    conn.execute(
        sql.SQL("UPDATE {} SET handle = 'zz_restore_' || substr(md5(id::text), 1, 20) WHERE section_id = %s").format(
            t_fields),
        (section_id,),
    )
    for field in state["fields"]:
        row = {k: v for k, v in field.items() if k not in ("id", "created_at", "updated_at")}
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (id, section_id, {cols}) VALUES (%s, %s, {vals}) "
                "ON CONFLICT (id) DO UPDATE SET ({cols}) = ({excluded})"
            ).format(
                t_fields,
                cols=sql.SQL(", ").join(map(sql.Identifier, row)),
                vals=sql.SQL(", ").join(sql.Placeholder() * len(row)),
                excluded=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(k)) for k in row),
            ),
            (field["id"], section_id, *[Jsonb(v) if k == "field_settings" or (
                k == "custom_validation_rules" and v is not None) else v for k, v in row.items()]),
        )
    section = state["section"]
    # The handle of a deleted section may have gone to a new section meanwhile.
    holder = conn.execute(
        sql.SQL("SELECT handle FROM {} WHERE (handle = %s OR table_name = %s) AND id <> %s").format(t_sections),
        (section["handle"], section["table_name"], section_id),
    ).fetchone()
    if holder is not None:
        raise Refused(
            f"the handle '{section['handle']}' of this section is used by section '{holder[0]}' now; "
            "rename or delete that section first")
    conn.execute(
        sql.SQL("UPDATE {} SET handle = %s, table_name = %s, is_active = %s, title_field_handle = %s, "
                "history = coalesce(%s, history) WHERE id = %s").format(t_sections),
        (section["handle"], section["table_name"], section["is_active"], title, section.get("history"), section_id),
    )


def _restored_title_field(conn, t_fields, t_sections, section_id, state: dict) -> str | None:
    """The title follows its field (by id) to the restored handle; if that field goes, the
    title the state recorded comes back (when it names one of the state's fields)."""
    row = conn.execute(
        sql.SQL("SELECT f.id FROM {} s JOIN {} f ON f.section_id = s.id AND f.handle = s.title_field_handle "
                "WHERE s.id = %s").format(t_sections, t_fields),
        (section_id,),
    ).fetchone()
    handles = {str(f["id"]): f["handle"] for f in state["fields"]}
    if row is not None and str(row[0]) in handles:
        return handles[str(row[0])]
    recorded = state["section"].get("title_field_handle")
    return recorded if recorded in handles.values() else None
