"""Many entries at once with ``COPY``: the writer batches and imports share.

Rows are validated while the COPY runs: items go in rounds of ``ROUND`` (checked column
by column, sent, turned into output), so the server stores one round while the next is
checked. A bad item aborts the COPY, so nothing of the batch is kept.
With ``on_conflict`` the rows go to a temporary table first and one
``INSERT ... ON CONFLICT DO UPDATE`` merges them (``upsert``); ``keep_ids`` writes the ids (and
timestamps) an export carried, so an export imports back as it was.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import psycopg
from psycopg import sql

from ..errors import InvalidInput
from ..json_values import json_safe
from ..rules import enforce
from .columns import validate_columns
from .links import copy_links, links_of, read_links
from .model import FieldModel, SectionModel, parse_entry_id
from .references import resolve_references
from .rows import (StaleModel, check_keys, column_default, convert_column, drawn_ids, invalid, new_ids, output_row,
                   validate_values)
from .upsert import conflict_field, enforce_merged, merge, stage_table
from .write_errors import translate_error

#: System columns an id-keeping write may carry.
KEPT_COLUMNS = frozenset({"id", "created_at", "updated_at"})
#: Items per round of a batch: small enough that the server starts storing early, large
#: enough that the column loops stay cheap per item.
ROUND = 1000


def item_label(index: int) -> str:
    return f"item {index}"


@dataclass
class Written:
    """What a batch stored: ids (text) and validated rows in item order; for an upsert,
    whether each item created a new entry."""

    ids: list
    rows: list
    created: list | None = None
    stamp: object = None
    entries: list | None = None  # the output, when it was built while the COPY ran


class BatchWriter:
    """Validated COPY of entries on one connection (the caller owns the transaction)."""

    def __init__(self, conn, model: SectionModel, *, final: bool = True, keep_ids: bool = False,
                 on_conflict=None, label=item_label, load_model=None):
        self.conn = conn
        self.load_model = load_model  # (conn, handle) -> SectionModel, for writes by a target's field
        self.model = model
        self.final = final
        self.keep_ids = bool(keep_ids)
        self.conflict = conflict_field(model, on_conflict)
        self.label = label
        self._defaults: dict = {}
        self._memo: dict = {}  # this writer's verdicts on repeated values (see validate_values)
        self._copying = False
        self._rule_base: dict | None = None
        self._system_ok = KEPT_COLUMNS if self.keep_ids else frozenset()
        #: Called with a batch's validated rows before they are stored; may change them
        #: (an id-keeping import holds back references to later rows: import_forward).
        self.before_store = None

    # -- validation -----------------------------------------------------------------
    def check(self, item, index: int) -> dict:
        """One item as validated parameters; errors name the item."""
        try:
            data = check_keys(self.model, item, self.final, self._system_ok)
            row = validate_values(self.model, data, False, self._memo)
            if self._system_ok:
                for key in KEPT_COLUMNS:
                    if key in data:
                        row[key] = _system_value(key, data[key], self.model.id_type)
            if self.model.rules:
                enforce(self.model, {**self._typed_defaults(), **row})
            return row
        except InvalidInput as exc:
            raise InvalidInput(f"{self.label(index)}: {exc}", field=exc.field, index=index,
                               errors=exc.errors) from None

    def check_all(self, items: list, offset: int = 0, rules: bool = True) -> list[dict]:
        """Every item as validated parameters, values checked column by column; the first
        bad item (in order) is reported with all its problems, as ``check`` would.
        ``offset``: the index of ``items[0]`` in the whole batch (for the error's label);
        ``rules``: False leaves the custom rules to the caller (an upsert: ``enforce_merged``)."""
        datas: list = []
        key_error = None
        if set(map(type, items)) == {dict} and (given := set().union(*items)) <= self.model.fields.keys() \
                and self.model.read_only.isdisjoint(given):
            datas = items  # plain dicts of known, writable fields: what check_keys would return
        else:
            for index, item in enumerate(items):
                try:
                    datas.append(check_keys(self.model, item, self.final, self._system_ok))
                except InvalidInput as exc:
                    key_error = (index, exc)
                    break
        rows, problems = validate_columns(self.model, datas)
        rules = rules and self.model.rules
        if not (problems or rules or self._system_ok) and key_error is None:
            return rows
        for index, (data, row) in enumerate(zip(datas, rows)):
            try:
                if index in problems:
                    raise invalid(problems[index])
                if self._system_ok:
                    for key in KEPT_COLUMNS:
                        if key in data:
                            row[key] = _system_value(key, data[key], self.model.id_type)
                if rules:
                    enforce(self.model, {**self._typed_defaults(), **row})
            except InvalidInput as exc:
                raise self._named(exc, offset + index) from None
        if key_error is not None:
            raise self._named(key_error[1], offset + key_error[0]) from None
        return rows

    def _named(self, exc: InvalidInput, index: int) -> InvalidInput:
        return InvalidInput(f"{self.label(index)}: {exc}", field=exc.field, index=index, errors=exc.errors)

    def _typed_defaults(self) -> dict:
        """Handle -> typed default of every column with one: what a rule sees for a field
        an item leaves out (read once per writer)."""
        if self._rule_base is None:
            self._rule_base = {f.handle: self._default(f)[0] for f in self.model.columns if f.has_default}
        return self._rule_base

    def _default(self, field: FieldModel) -> tuple:
        if field.handle not in self._defaults:
            if self._copying:  # a query now would wait forever for the busy connection
                raise RuntimeError(f"the default of '{field.handle}' was not read before the COPY started")
            self._defaults[field.handle] = column_default(self.conn, self.model, field)
        return self._defaults[field.handle]

    # -- writing --------------------------------------------------------------------
    def write(self, items: list, entries: bool = False) -> Written:
        """Store ``items`` (dicts of field values); all of them or, on error, none.
        ``entries``: also build the output while the server stores the rows (a plain
        batch; an upsert or id-keeping write reads its entries back in ``entries()``)."""
        model, conn = self.model, self.conn
        if model.relations and self.load_model is not None:
            items = resolve_references(conn, model, items, self.load_model, self.label)
        given: set = set()
        for item in items:
            if isinstance(item, dict):
                given.update(item)
        fields = [f for f in model.columns if f.handle in given or (f.has_default and not self.conflict)]
        extra = [k for k in ("created_at", "updated_at") if k in given and self.keep_ids]
        handles = tuple(f.handle for f in fields)
        # Every default is read before the COPY starts: the connection is busy until it ends.
        defaults = {f.handle: self._default(f) for f in model.columns
                    if f.has_default and (f.handle in handles or model.rules)}
        copy_defaults = {h: defaults[h][1] for h in handles if h in defaults}
        stamp = conn.execute("SELECT now()").fetchone()[0]
        # Ids an adopted table's own key draws (its sequence): taken before the COPY starts.
        self._id_pool = None if model.id_type == "uuid" else drawn_ids(conn, model, len(items))
        target = stage_table(conn, model, ("id", *handles, *extra)) if self.conflict else model.table
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            target, sql.SQL(", ").join(map(sql.Identifier, ("id", *handles, *extra)))).as_string(conn)
        # Work that needs every row (and the connection) is done before the COPY starts.
        checked = None
        merged_rules = bool(self.conflict and model.rules)
        if self.before_store is not None or merged_rules:
            checked = self.check_all(items, rules=not merged_rules)
            if merged_rules:
                enforce_merged(conn, model, self.conflict, checked, self._typed_defaults(), self._named)
            if self.before_store is not None:
                self.before_store(checked)
        out = [] if entries and not (self.conflict or self.keep_ids) else None
        as_text = {f.handle for f in fields if f.output_is_stored_text}
        ids: list = []
        rows: list = []
        refusal = None
        try:
            with conn.cursor() as cur:
                with cur.copy(copy_sql) as copy:
                    write = copy.write_row
                    self._copying = True
                    for start in range(0, len(items), ROUND):
                        try:
                            part = (self.check_all(items[start:start + ROUND], start) if checked is None
                                    else checked[start:start + ROUND])
                        except InvalidInput as exc:
                            refusal = exc
                            raise _BatchRefused() from None
                        part_ids = self._ids(part)
                        texts: dict = {}
                        if out is not None:
                            names, outputs = self._output_columns(part_ids, part, stamp)
                            out += [dict(zip(names, values)) for values in zip(*outputs)]
                            texts = {name: values for name, values in zip(names, outputs) if name in as_text}
                        ids += part_ids
                        rows += part  # before sending: an error of the server can name any row sent
                        for values in zip(*self._copy_columns(part_ids, part, handles, extra, copy_defaults,
                                                              texts, stamp)):
                            write(values)
                    self._copying = False
            created = None
            if self.conflict:
                ids, created = merge(conn, model, self.conflict, ("id", *handles, *extra), ids, rows,
                                     self._defaults, self.label)
            multi = [f.handle for f in model.multi if f.handle in given]
            if multi:
                copy_links(conn, model, ids, rows, multi, replace=bool(self.conflict))
        except _BatchRefused:
            raise refusal from None
        except psycopg.Error as exc:
            raise translate_error(exc, model, rows, self.label) from None
        finally:
            self._copying = False
        return Written(ids, rows, created, stamp, out)

    @staticmethod
    def _copy_columns(ids, rows, handles, extra, copy_defaults, texts, stamp) -> list:
        """The COPY columns of one round, built column by column (one pass per column, not
        per cell); ``texts`` holds output columns whose text is what the column stores."""
        columns = [ids]
        for h in handles:
            if h in texts:
                columns.append(texts[h])
                continue
            fallback = copy_defaults.get(h)
            columns.append([row[h] if h in row else fallback for row in rows])
        for h in extra:
            columns.append([row.get(h, stamp) for row in rows])
        return columns

    def _ids(self, rows: list) -> list:
        """The ids of validated rows: new ones, or (keeping ids) those the items carry."""
        if not self.keep_ids:
            return self._fresh_ids(len(rows))
        ids = [row.get("id") for row in rows]
        fresh = self._fresh_ids(ids.count(None))
        return [fresh.pop() if entry_id is None else entry_id for entry_id in ids]

    def _fresh_ids(self, count: int) -> list:
        if getattr(self, "_id_pool", None) is None:
            return new_ids(count)
        if count > len(self._id_pool):
            raise InvalidInput(f"section '{self.model.handle}': its table's id ({self.model.id_type}) has no sequence "
                               "or identity, so every new entry must bring its own id (write with keep_ids)", field="id")
        taken, self._id_pool = self._id_pool[:count], self._id_pool[count:]
        return taken

    # -- output ---------------------------------------------------------------------
    def entries(self, written: Written) -> list[dict]:
        """The stored entries as output. A plain batch is built from what was written
        (no read back); an upsert reads the merged entries back."""
        if written.created is not None or self.keep_ids:
            return self.read_back(written.ids)
        if written.entries is not None:
            return written.entries
        return self._output(written.ids, written.rows, written.stamp)

    def _output(self, ids: list, rows: list, stamp) -> list[dict]:
        """Output entries of written rows (defaults as stored)."""
        names, columns = self._output_columns(ids, rows, stamp)
        return [dict(zip(names, values)) for values in zip(*columns)]

    def _output_columns(self, ids: list, rows: list, stamp) -> tuple[list, list]:
        """(names, columns): the output of written rows, built column by column."""
        model = self.model
        names = ["id"]
        columns = [ids if model.id_type == "uuid" else [str(i) for i in ids]]
        for f in model.columns:
            pair = self._defaults.get(f.handle)
            handle, default = f.handle, (None if pair is None else pair[0])
            names.append(handle)
            columns.append(convert_column(f, [row.get(handle, default) for row in rows]))
        stamp = json_safe(stamp)
        names += ["created_at", "updated_at"]
        columns += [[stamp] * len(rows)] * 2
        for f in model.multi:
            names.append(f.handle)
            columns.append([[str(t) for t in row.get(f.handle) or ()] for row in rows])
        return names, columns

    def read_back(self, ids: list) -> list[dict]:
        model, conn = self.model, self.conn
        cur = conn.execute(sql.SQL("SELECT {} FROM {} WHERE id = ANY(%s::{})").format(
            model.select_list(), model.table, model.id_array), (ids,))
        names = tuple(c.name for c in cur.description)
        by_id = {str(r[0]): r for r in cur.fetchall()}
        links = read_links(conn, model, ids) if model.listed else {}
        out = []
        for entry_id in ids:
            row = by_id[str(entry_id)]
            out.append(output_row(model, names, row, links_of(links, row[0])))
        return out


class _BatchRefused(Exception):
    """Ends a COPY whose batch was refused, without sending the refusal's text (which
    may quote the item's values) to the server's log."""


def _system_value(key: str, value, id_type: str = "uuid"):
    if key == "id":
        try:
            return str(parse_entry_id(value)) if id_type == "uuid" else parse_entry_id(value, id_type)
        except InvalidInput:
            what = "UUID" if id_type == "uuid" else f"id ({id_type})"
            raise InvalidInput(f"field 'id': {str(value)[:60]!r} is not a valid {what}", field="id") from None
    if isinstance(value, _dt.datetime):
        parsed = value
    else:
        try:
            parsed = _dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(f"field '{key}': {str(value)[:60]!r} is not an ISO date and time", field=key) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed


__all__ = ["BatchWriter", "Written", "StaleModel", "conflict_field", "item_label", "KEPT_COLUMNS"]
