"""Field names of recorded versions: stored under column names with the map in force,
resolved by field id to today's handle (a dropped field: its last known handle)."""

from __future__ import annotations

from psycopg import sql


class FieldNames:
    """The column maps of one section and its current fields, loaded once per read."""

    def __init__(self, conn, settings, section_id, current_fields: list[dict]):
        self.current = {str(f["id"]): f["handle"] for f in current_fields}
        #: Single relations: their values are entry ids, shown as text however the key is
        #: stored (an adopted section's bigint id is recorded as a JSON number).
        self.relations = {str(f["id"]) for f in current_fields if f.get("single_relation")}
        self.maps: dict[str, dict] = {}
        self.last_known: dict[str, str] = {}
        rows = conn.execute(sql.SQL("SELECT id, columns FROM {} WHERE section_id = %s ORDER BY created_at, id").format(
            sql.Identifier(settings.system_schema, "content_history_maps")), (section_id,)).fetchall()
        for map_id, columns in rows:
            self.maps[str(map_id)] = columns
            for column, field_id in columns.items():
                self.last_known[field_id] = column

    def field_id(self, map_id, column: str) -> str | None:
        return self.maps.get(str(map_id), {}).get(column)

    def handle(self, field_id: str) -> str:
        return self.current.get(field_id) or self.last_known.get(field_id, field_id)

    def by_field_id(self, map_id, data: dict) -> dict:
        """{field id: value} of a version's non-empty values (columns outside the map are left out)."""
        columns = self.maps.get(str(map_id), {})
        values = {columns[c]: v for c, v in (data or {}).items() if c in columns and v is not None}
        for field_id in self.relations.intersection(values):
            values[field_id] = str(values[field_id])
        return values

    def by_handle(self, map_id, data: dict) -> dict:
        """A version's values under today's handles (dropped fields: their last known handle)."""
        return {self.handle(fid): v for fid, v in self.by_field_id(map_id, data).items()}


def field_names(conn, settings, section_id, registry) -> FieldNames:
    """The field names of a section's recorded versions, with its current fields (their
    types asked through ``registry`` which of them are single relations)."""
    rows = conn.execute(sql.SQL("SELECT id, handle, field_type_handle, field_settings FROM {} "
                                "WHERE section_id = %s").format(
        sql.Identifier(settings.system_schema, "section_fields")), (section_id,)).fetchall()
    fields = []
    for field_id, handle, type_handle, field_settings in rows:
        single = False
        if type_handle in registry:
            field_type, field_settings = registry.get(type_handle), field_settings or {}
            single = field_type.is_relation(field_settings) and field_type.stores_column(field_settings)
        fields.append({"id": field_id, "handle": handle, "single_relation": single})
    return FieldNames(conn, settings, section_id, fields)
