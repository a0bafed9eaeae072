"""Entries: validated create, update, get, delete and query of a section's rows.

JSON text input (the runtime hands nodes' dict inputs over as text) is decoded once, at
this door; everything behind it works on Python values.

Every write takes the one row path of ``rows`` (keys, values, defaults, output)
and ``write_errors`` (database errors named by field); batches and imports share the
COPY writer of ``batch``, which imports reach through ``EntryService.batch``.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from ..errors import ContentError, DatabaseFailure, InvalidInput, NotFound, database_message
from ..history import new_change_id, remember, set_context
from ..postgres import cancelled_read, read_transaction
from ..rules import enforce
from ..section_scope import EVERY_SECTION, SectionScope
from .aggregates import aggregate
from .batch import BatchWriter, item_label
from .bulk import delete_matching, update_matching
from .links import links_of, read_links, write_links
from .model import ModelCache, SectionModel, missing_section
from .query import parse_json_input
from .reads import QueryRequest, read_entries, run_query
from .references import resolve_references
from .rows import StaleModel, check_keys, current_rows, model_defaults, new_entry_id, output_row, validate_values
from .write_errors import translate_error

MAX_BATCH = 100_000


class EntryService:
    def __init__(self, engine):
        self.engine = engine
        self.settings = engine.settings
        self.registry = engine.registry
        self.models = ModelCache(engine.settings, engine.registry)
        self.scope = EVERY_SECTION

    def scoped(self, scope: SectionScope) -> "EntryService":
        """This service seeing only ``scope``'s sections (same engine, pools and model cache)."""
        view = copy.copy(self)
        view.scope = scope
        return view

    def invalidate(self) -> None:
        self.models.invalidate()

    # -- plumbing ------------------------------------------------------------------------
    def pool_for(self, read: bool, primary: bool = False):
        """The pool a piece of work runs on: reads go to the read replica when one is set,
        unless ``primary`` asks for the primary (a read straight after a write)."""
        if read and not primary:
            return self.engine.read_pool
        return self.engine.pool

    def _run(self, section_handle, work, read: bool = False, primary: bool = False, context: dict | None = None):
        """Run ``work(conn, model, final)`` in a transaction, reloading a stale model once.

        ``final`` is True on the second attempt (fresh model): an unknown key is then
        reported instead of triggering another reload. A write carries the engine's
        history context (plus ``context``) and a change set id of its own (see history)."""
        if not self.engine._installed:
            self.engine.ensure_installed()
        pool = self.pool_for(read, primary)
        call = None if read else self.engine.history_context.for_call(**(context or {}))
        if call is not None:
            remember(call.run_id)
        for attempt in (0, 1):
            final = attempt == 1
            try:
                with pool.connection() as conn, read_transaction(conn, self.settings, read):
                    if call is not None:
                        set_context(conn, call)
                    model = self.load_model(conn, section_handle, refresh=final)
                    try:
                        return work(conn, model, final)
                    except psycopg.OperationalError:
                        # The server closed a pooled connection (restart, terminate): nothing
                        # was committed on it, so the work is safe to run once more.
                        if conn.broken and not final:
                            raise StaleModel() from None
                        raise
            except StaleModel:
                continue
            except (pg_errors.UndefinedColumn, pg_errors.UndefinedTable):
                if not final:
                    self.models.invalidate(section_handle)
                    continue
                raise DatabaseFailure(
                    f"the table of section '{section_handle}' changed while writing; try again") from None
            except ContentError:
                raise
            except pg_errors.QueryCanceled as exc:
                if not read:
                    raise DatabaseFailure(f"database error: {database_message(exc)}") from exc
                raise cancelled_read(exc, self.settings) from None
            except psycopg.Error as exc:
                raise DatabaseFailure(f"database error: {database_message(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def load_model(self, conn, handle: str, refresh: bool = False) -> SectionModel:
        """The applied model of a section on ``conn``: the one read or written, or a
        relation's target. Every section an entry call reaches is loaded here, so this is
        where the scope is checked: a section outside it is answered as a missing one."""
        if isinstance(handle, str) and not self.scope.allows(handle):
            raise missing_section(handle)
        return self.models.get(conn, handle, refresh=refresh)

    def _prepare(self, conn, model: SectionModel, data, final: bool, partial: bool) -> dict:
        """Keys checked, references by a target's field resolved, values validated."""
        given = check_keys(model, data, final)
        if model.relations:
            given = resolve_references(conn, model, [given], self.load_model, item_label)[0]
        values = validate_values(model, given, partial=partial)
        if model.rules and not partial:
            enforce(model, {**model_defaults(conn, model), **values})
        return values

    def _fetch(self, conn, model: SectionModel, entry_id) -> dict:
        query = model.sql_text(conn, "get", lambda: sql.SQL("SELECT {} FROM {} WHERE id = %s").format(
            model.select_list(), model.table))
        cur = conn.execute(query, (entry_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"entry '{entry_id}' does not exist in section '{model.handle}'", field="entry_id")
        names = tuple(c.name for c in cur.description)
        links = read_links(conn, model, [entry_id]) if model.listed else {}
        return output_row(model, names, row, links_of(links, entry_id))

    # -- create ----------------------------------------------------------------------------
    def create(self, section_handle, data) -> dict:
        data = _decoded_data(data)

        def work(conn, model, final):
            values = self._prepare(conn, model, data, final, partial=False)
            fields = model.fields
            columns = tuple(k for k in values if fields[k].stores_column)
            if model.id_needs_value:  # an adopted key without a default of its own
                values = {"id": new_entry_id(conn, model), **values}
                columns = ("id", *columns)
            if columns:
                query = model.sql_text(conn, ("insert", columns), lambda: sql.SQL(
                    "INSERT INTO {} ({}) VALUES ({}) RETURNING {}").format(
                    model.table, sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.SQL(", ").join(sql.Placeholder() * len(columns)), model.select_list()))
            else:
                query = model.sql_text(conn, ("insert", ()), lambda: sql.SQL(
                    "INSERT INTO {} DEFAULT VALUES RETURNING {}").format(model.table, model.select_list()))
            try:
                cur = conn.execute(query, [values[k] for k in columns])
                row = cur.fetchone()
                names = tuple(c.name for c in cur.description)
                if model.multi:
                    write_links(conn, model, [row[names.index("id")]], values, replace=False)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            links = {f.handle: values.get(f.handle) or [] for f in model.multi}
            return output_row(model, names, row, links)

        return self._run(section_handle, work)

    def create_many(self, section_handle, items, return_entries: bool = True, on_conflict=None,
                    keep_ids: bool = False) -> list:
        """All-or-nothing batch create with COPY; a validation error names the item index.

        ``on_conflict`` (a unique field, or ``id``) updates the entries it matches
        instead; ``keep_ids`` stores the ``id`` (and timestamps) the items carry."""
        items = _parse_items(items)
        if not items:
            return []

        def work(conn, model, final):
            writer = BatchWriter(conn, model, final=final, keep_ids=keep_ids, on_conflict=on_conflict,
                                 load_model=self.load_model)
            written = writer.write(items, entries=return_entries)
            return writer.entries(written) if return_entries else written.ids

        return self._run(section_handle, work)

    @contextmanager
    def batch(self, section_handle, keep_ids: bool = False, on_conflict=None, label=item_label,
              dry_run: bool = False):
        """A BatchWriter on one connection and transaction, with a fresh model: the way
        imports write. The transaction commits when the block ends without an error
        (never for a ``dry_run``: it is rolled back)."""
        if not self.engine._installed:
            self.engine.ensure_installed()
        with self.engine.pool.connection() as conn:
            call = self.engine.history_context.for_call(import_id=new_change_id())
            remember(call.run_id)
            set_context(conn, call)
            model = self.load_model(conn, section_handle, refresh=True)
            try:
                yield BatchWriter(conn, model, keep_ids=keep_ids, on_conflict=on_conflict, label=label,
                                  load_model=self.load_model)
            finally:
                if dry_run:
                    conn.rollback()

    # -- read / update / delete --------------------------------------------------------------
    def get(self, section_handle, entry_id, fields=None, primary: bool = False) -> dict:
        fields = _decoded_list(fields, "fields")
        if fields is not None:
            return self._run(section_handle, lambda conn, model, final: read_entries(
                self, conn, model, fields, entry_id=model.parse_id(entry_id)), read=True, primary=primary)
        return self._run(section_handle, lambda conn, model, final: self._fetch(conn, model, model.parse_id(entry_id)),
                         read=True, primary=primary)

    def update(self, section_handle, entry_id, data) -> dict:
        data = _decoded_data(data)

        def work(conn, model, final):
            entry = model.parse_id(entry_id)
            values = self._prepare(conn, model, data, final, partial=True)
            columns = tuple(k for k in values if model.fields[k].stores_column)
            if model.rules:
                current = current_rows(conn, model, [entry]).get(entry)
                if current is None:
                    raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
                enforce(model, {**current, **values})
            try:
                if columns:
                    query = model.sql_text(conn, ("update", columns), lambda: sql.SQL(
                        "UPDATE {} SET {} WHERE id = %s RETURNING id").format(
                        model.table, sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in columns)))
                    cur = conn.execute(query, (*(values[k] for k in columns), entry))
                else:
                    cur = conn.execute(model.sql_text(conn, "lock", lambda: sql.SQL(
                        "SELECT id FROM {} WHERE id = %s FOR UPDATE").format(model.table)), (entry,))
                if cur.fetchone() is None:
                    raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
                write_links(conn, model, [entry], values, replace=True)
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            return self._fetch(conn, model, entry)

        return self._run(section_handle, work)

    def delete(self, section_handle, entry_id) -> bool:
        def work(conn, model, final):
            entry = model.parse_id(entry_id)
            try:
                row = conn.execute(model.sql_text(conn, "delete", lambda: sql.SQL(
                    "DELETE FROM {} WHERE id = %s RETURNING id").format(model.table)), (entry,)).fetchone()
            except psycopg.Error as exc:
                raise translate_error(exc, model) from None
            if row is None:
                raise NotFound(f"entry '{entry}' does not exist in section '{model.handle}'", field="entry_id")
            return True

        return self._run(section_handle, work)

    def title_paths(self, section_handle) -> list[str]:
        """``fields`` for a listing: every column, and each related entry with its id and
        its section's title field (where the target has one)."""
        def work(conn, model, final):
            paths = ["*"]
            for relation in model.relations:
                if not self.scope.allows(relation.target_section):
                    continue  # a target outside the scope is as good as missing: no titles
                target = self.load_model(conn, relation.target_section)
                if target.title_field:
                    paths += [f"{relation.handle}.id", f"{relation.handle}.{target.title_field}"]
            return paths

        return self._run(section_handle, work, read=True)

    def id_type(self, section_handle) -> str:
        """The type of the section's entry ids: uuid, or an adopted table's own key type."""
        return self._run(section_handle, lambda conn, model, final: model.id_type, read=True)

    def title_field(self, section_handle) -> str | None:
        """The section's title field as listings use it (configured and applied), or None."""
        return self._run(section_handle, lambda conn, model, final: model.title_field, read=True)

    def aggregate(self, section_handle, aggregates, group_by=None, filters=None, primary: bool = False) -> dict:
        aggregates = parse_json_input(aggregates, "aggregates")
        group_by = _decoded_list(group_by, "group_by")
        filters = parse_json_input(filters, "filters")
        return self._run(section_handle, lambda conn, model, final: aggregate(
            self, conn, model, aggregates, group_by, filters), read=True, primary=primary)

    # -- many at once ------------------------------------------------------------------------
    def update_many(self, section_handle, filters, data, confirm: bool = False, progress=None,
                    max_entries: int | None = None) -> dict:
        """Set ``data`` on every entry ``filters`` match; without ``confirm`` only count them."""
        _check_confirm(confirm)
        filters, data = parse_json_input(filters, "filters"), _decoded_data(data)
        return self._run(section_handle, lambda conn, model, final: update_matching(
            self, conn, model, final, filters, data, confirm, progress, max_entries),
            context={"bulk_id": new_change_id()})

    def delete_many(self, section_handle, filters, confirm: bool = False, progress=None,
                    max_entries: int | None = None) -> dict:
        """Delete every entry ``filters`` match; without ``confirm`` only count them."""
        _check_confirm(confirm)
        filters = parse_json_input(filters, "filters")
        return self._run(section_handle, lambda conn, model, final: delete_matching(
            self, conn, model, filters, confirm, progress, max_entries), context={"bulk_id": new_change_id()})

    # -- query -----------------------------------------------------------------------------
    def query(self, section_handle, filters=None, order_by=None, limit=None, offset=0, fields=None,
              count="exact", search=None, primary: bool = False) -> dict:
        filters, fields = parse_json_input(filters, "filters"), _decoded_list(fields, "fields")
        request = QueryRequest.build(self.settings, filters, order_by, limit, offset, fields, count, search)
        return self._run(section_handle, lambda conn, model, final: run_query(self, conn, model, request),
                         read=True, primary=primary)


def _decoded_data(data):
    """An entry's values as given: a dict, or JSON text of one (the runtime's ``[]`` and
    empty text mean none)."""
    text = data.strip() if isinstance(data, str) else None
    data = parse_json_input(data, "field_data")
    if text and not isinstance(data, dict):  # e.g. "null" or "[1]" typed as JSON
        raise InvalidInput("field_data must be a JSON object of field handles and values", field="field_data")
    return data


def _decoded_list(value, name: str):
    """``fields`` or ``group_by``: JSON text of a list is decoded; a plain string (one name
    or a comma-separated list) is left for the parser."""
    return parse_json_input(value, name) if isinstance(value, str) and value.strip().startswith("[") else value


def _check_confirm(confirm) -> None:
    if not isinstance(confirm, bool):
        raise InvalidInput("confirm must be true or false", field="confirm")


def _parse_items(items) -> list:
    items = parse_json_input(items, "field_data")
    if not isinstance(items, list):
        raise InvalidInput("a batch must be a JSON list of entries", field="field_data")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} entries (got {len(items)})", field="field_data")
    if any(not isinstance(item, dict) for item in items):
        parsed = []
        for index, item in enumerate(items):
            try:
                parsed.append(parse_json_input(item, "field_data"))
            except InvalidInput as exc:
                raise InvalidInput(f"item {index}: {exc}", field=exc.field, index=index) from None
        items = parsed
    return items
