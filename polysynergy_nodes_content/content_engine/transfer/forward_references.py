"""References of an id-keeping import to entries of the same section that come later.

An export lists entries by creation time, so a ``pages`` entry may name (``parent``, or
in the ``related`` list) a page that comes further down the file. Within one batch that
is fine: the foreign keys are checked at the end of each COPY, when the whole batch is in.
Across batches it is not, because the target is not stored yet.

So, for the relations of a section to itself, each batch holds back the references
whose target is neither in the table nor in the batch: the row is stored without them
(null, or itself for a required relation), and the held-back values go to a temporary
table with their line. Once every row is in, one query finds the references that name
no entry at all (a real broken reference, refused with its line and field), then one
UPDATE per single relation and one INSERT per multiple relation (in the file's order)
write the rest, inside the import's transaction and without touching ``updated_at``.

This is preferred over deferrable foreign keys: those would change the DDL of every
relation, the migration review and existing tables, and a deferred violation would
surface at commit without the line that caused it.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from ..entries import MISSING_TARGET, SectionModel, explain_db_error, keep_times
from ..errors import InvalidInput
from .files import ImportLineError

_STAGE = sql.Identifier("content_import_forward")
_DETAIL_KEY = re.compile(r"^Key \((.+?)\)=\((.*)\) ", re.DOTALL)


class ForwardReferences:
    """Held-back references of one id-keeping import (one connection, one transaction)."""

    def __init__(self, conn, model: SectionModel, upsert: bool = False):
        self.conn = conn
        self.model = model
        self.upsert = upsert
        self.fields = [f for f in model.relations if f.target_section == model.handle
                       and (f.stores_column or f.junction)]
        self._pending: list = []  # (batch index, field, [targets]) of the write under way
        self._given: dict = {}  # field handle -> batch indexes that set it
        self._staged = False

    def __bool__(self) -> bool:
        return bool(self.fields)

    # -- while writing -------------------------------------------------------------
    def hold_back(self, rows: list) -> None:
        """BatchWriter hook: take the forward references out of a batch's validated rows."""
        self._pending = []
        self._given = {f.handle: [i for i, row in enumerate(rows) if f.handle in row] for f in self.fields}
        in_batch = {str(row["id"]) for row in rows if row.get("id") is not None}
        wanted = set()
        for field in self.fields:
            for row in rows:
                for target in _targets(row.get(field.handle)):
                    if str(target) not in in_batch:
                        wanted.add(str(target))
        if not wanted:
            return
        stored = {str(r[0]) for r in self.conn.execute(
            sql.SQL("SELECT id FROM {} WHERE id = ANY(%s::{})").format(self.model.table, self.model.id_array),
            (sorted(wanted),)).fetchall()}
        missing = wanted - stored
        if not missing:
            return
        for field in self.fields:
            for index, row in enumerate(rows):
                value = row.get(field.handle)
                targets = _targets(value)
                if not any(str(t) in missing for t in targets):
                    continue
                if field.junction:
                    row[field.handle] = []  # the whole list waits, so its order stays
                elif field.required:
                    if row.get("id") is None:
                        continue  # nothing to stand in: the foreign key reports it
                    row[field.handle] = row["id"]  # NOT NULL: itself until the end
                else:
                    row[field.handle] = None
                self._pending.append((index, field.handle, list(targets)))

    def stored(self, ids: list, lines: list) -> None:
        """After a batch was written: keep its held-back references (``ids`` as stored)."""
        if self.upsert and self._staged:
            # A later line for the same entry replaces what an earlier line held back.
            for handle, indexes in self._given.items():
                if indexes:
                    self.conn.execute(sql.SQL("DELETE FROM {} WHERE field = %s AND source::text = ANY(%s::text[])"
                                              ).format(_STAGE), (handle, [str(ids[i]) for i in indexes]))
        pending, self._pending = self._pending, []
        if not pending:
            return
        self._stage()
        with self.conn.cursor() as cur:
            with cur.copy(sql.SQL("COPY {} (line, field, source, target, position) FROM STDIN").format(_STAGE)) as copy:
                for index, handle, targets in pending:
                    for position, target in enumerate(targets):
                        copy.write_row((lines[index], handle, str(ids[index]), str(target), position))

    def _stage(self) -> None:
        if self._staged:
            return
        self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_STAGE))
        self.conn.execute(sql.SQL(
            "CREATE TEMPORARY TABLE {} (line bigint NOT NULL, field text NOT NULL, source {} NOT NULL, "
            "target {} NOT NULL, position integer NOT NULL) ON COMMIT DROP").format(
                _STAGE, self.model.id_cast, self.model.id_cast))  # the section's own key: these link itself
        if self.upsert:  # each batch looks up its entries' earlier held-back lines
            self.conn.execute(sql.SQL("CREATE INDEX ON {} (source)").format(_STAGE))
        self._staged = True

    # -- at the end ----------------------------------------------------------------
    def broken(self, where: str = "in the file") -> list[tuple[int, str, str]]:
        """(line, field, reason) of every held-back reference to an entry that is nowhere,
        in file order."""
        if not self._staged:
            return []
        rows = self.conn.execute(sql.SQL(
            "SELECT f.line, f.field, f.target::text FROM {} AS f WHERE NOT EXISTS "
            "(SELECT 1 FROM {} AS t WHERE t.id = f.target) ORDER BY f.line, f.field, f.position").format(
            _STAGE, self.model.table)).fetchall()
        return [(line, handle, f"{MISSING_TARGET.format(self.model.handle)}: {target} is neither in the database "
                 f"nor {where}") for line, handle, target in rows]

    def finish(self) -> None:
        """Write the held-back references (call after ``broken`` found nothing)."""
        if not self._staged:
            return
        table = self.model.table
        try:
            with self.conn.transaction():
                keep_times(self.conn, True)
                for field in self.fields:
                    if field.junction:
                        self.conn.execute(sql.SQL(
                            "INSERT INTO {} (source_id, target_id, sort_order) SELECT source, target, position "
                            "FROM {} WHERE field = %s ORDER BY line, position").format(
                            sql.Identifier(self.model.schema, field.junction), _STAGE), (field.handle,))
                    else:
                        self.conn.execute(sql.SQL(
                            "UPDATE {} AS t SET {} = f.target FROM {} AS f WHERE f.field = %s AND t.id = f.source"
                        ).format(table, sql.Identifier(field.handle), _STAGE), (field.handle,))
                keep_times(self.conn, False)
        except psycopg.Error as exc:
            raise self._explain(exc) from None

    def _explain(self, exc: psycopg.Error) -> ImportLineError:
        """A failed final write as the line and field it came from (e.g. a unique relation)."""
        explained = explain_db_error(exc, self.model)
        if explained is None:
            raise exc
        field, name, reason = explained
        line = None
        if field is not None:
            # The detail names the value (``Key (next)=(<uuid>) already exists``): the
            # last held-back line with it is the one that repeats it.
            key = _DETAIL_KEY.match(exc.diag.message_detail or "")
            target = key.group(2) if key and key.group(1) == field.handle else None
            line = self.conn.execute(sql.SQL(
                "SELECT max(line) FROM {} WHERE field = %s AND (%s::text IS NULL OR target::text = %s::text)"
            ).format(_STAGE), (field.handle, target, target)).fetchone()[0]
        prefix = f"line {line}: " if line is not None else ""
        return ImportLineError(f"{prefix}field '{name}': {reason}", line=line, field=name,
                               errors=[{"field": name, "message": reason}])


def _targets(value) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def order_hint(model: SectionModel, field_handle, message: str) -> str:
    """``message`` with what to import first, when it says an entry of another section
    is missing (an import only refers to entries already in the database)."""
    field = model.fields.get(field_handle) if isinstance(field_handle, str) else None
    if field is None or not field.target_section or field.target_section == model.handle:
        return message
    if MISSING_TARGET.format(field.target_section) not in message or "import section" in message:
        return message
    return (f"{message} (import section '{field.target_section}' before '{model.handle}' when the entry is in its "
            "export)")


def with_order_hint(model: SectionModel, exc: InvalidInput) -> InvalidInput:
    """``exc`` with ``order_hint`` applied to its message and its per-field errors."""
    errors = [{**e, "message": order_hint(model, e.get("field"), e.get("message") or "")} for e in exc.errors]
    message = order_hint(model, exc.field, str(exc))
    if message == str(exc) and errors == exc.errors:
        return exc
    return InvalidInput(message, field=exc.field, index=exc.index, errors=errors)


__all__ = ["ForwardReferences", "order_hint", "with_order_hint"]
