"""ContentEngine: the one API that nodes, the CLI and library users share.

Every method is synchronous (psycopg over a shared pool); nodes call it through
``asyncio.to_thread``. Errors are ContentError subclasses with actionable messages.
"""

from __future__ import annotations

import copy
import functools
import threading

import psycopg

from polysynergy_section_field import default_registry
from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from .adoption import AdoptionMethods
from .config import ConfigStore, remove_section
from .entries import EntryService
from .errors import ContentError, DatabaseFailure, Refused, database_message
from .events import EventMethods
from .history import HistoryMethods, WriteContext, stamped
from .json_values import json_safe
from .migrations import Migrations, reporting_progress
from .postgres import Pooler, detect, get_pool, resolve_database_url, resolve_read_url, url_options
from .schema_file import SchemaFileMethods
from .section_scope import EVERY_SECTION, SectionScope
from .settings import EngineSettings
from .system import (
    build_source_indexes,
    install_system_schema,
    installed_version,
    migration_files,
    sync_field_types,
    unsynced_handles,
)
from .transfer import TransferMethods

__all__ = ["ContentEngine", "get_engine", "json_safe"]

_engines: dict[tuple, "ContentEngine"] = {}
_engines_lock = threading.Lock()


def get_engine(database_url: str | None = None, settings: EngineSettings | None = None) -> "ContentEngine":
    """The shared engine for a URL (explicit, else SECTIONS_DATABASE_URL, else DATABASE_URL)."""
    url = resolve_database_url(database_url)
    settings = settings or EngineSettings.from_env()
    key = (url, repr(settings), settings.migration_database_url, resolve_read_url(None))
    engine = _engines.get(key)
    if engine is None or engine.pool.closed:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None or engine.pool.closed:  # closed pools are not reused
                engine = ContentEngine(url, settings)
                _engines[key] = engine
    engine.ensure_installed()
    return engine


def _json_result(method):
    """Results leave the facade JSON-safe (ISO dates, string UUIDs, exact decimals), so no
    caller converts them. Entry rows are made JSON-safe as they are read (``output_row``),
    so the hot paths (batches, queries) are not walked twice."""

    @functools.wraps(method)
    def json_method(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        run_id = getattr(result, "run_id", None)  # a write's change set id survives the conversion
        return json_safe(result) if run_id is None else stamped(json_safe(result), run_id)

    return json_method


class ContentEngine(AdoptionMethods, HistoryMethods, SchemaFileMethods, TransferMethods, EventMethods):
    """The one API. History and undo come from ``history`` (``entry_history``, ``undo_run``...),
    schema as code from ``schema_file`` (``export_schema``, ``plan_schema``, ``apply_schema``...),
    import and export from ``transfer`` (``import_entries``, ``export_entries``), content events
    from ``events`` (``create_subscription``, ``claim_events``, ``events_worker``...), adoption of
    tables made elsewhere from ``adoption`` (``adopt_table``)."""

    def __init__(
        self,
        database_url: str | None = None,
        settings: EngineSettings | None = None,
        registry: FieldTypeRegistry | None = None,
        actor: str | None = None,
        read_database_url: str | None = None,
    ):
        self.url = resolve_database_url(database_url)
        self.settings = settings or EngineSettings.from_env()
        self.registry = registry or default_registry()
        self.actor = actor
        self.pool = get_pool(
            self.url, self.settings.prepared_statements, self.settings.pool_min_size, self.settings.pool_max_size,
            pooler=self.settings.pooler,
        )
        #: Queries, exports and aggregates run here (SECTIONS_READ_DATABASE_URL, a replica).
        self.read_url = resolve_read_url(read_database_url)
        self.read_pool = self.pool if self.read_url is None else get_pool(
            self.read_url, self.settings.prepared_statements, self.settings.pool_min_size, self.settings.pool_max_size,
            pooler=self.settings.pooler)
        self._installed = False
        self._install_lock = threading.Lock()
        #: Apply and rollback need one server session: the direct URL when the main one is pooled.
        self.migration_url = self.settings.migration_database_url or self.url
        self.migrations = Migrations(self.migration_url, self.pool, self.settings, self.registry, actor,
                                     self._config_changed)
        self.entries = EntryService(self)
        #: The sections this engine (or view of it) reaches; see ``scoped``.
        self.scope = EVERY_SECTION
        #: Who or what writes through this engine (or view): recorded with every version.
        self.history_context = WriteContext(actor=actor)

    def scoped(self, sections) -> "ContentEngine":
        """A view of this engine that reaches only ``sections`` (handles; None: every one).

        It shares the pools, caches and migrations of this engine, so it is cheap to make
        per caller. Every section the view finds, by name or by following a relation (a
        filter, ``fields``, an aggregate, a write by a target's field, titles, a relation
        target in a schema change), must be in ``sections``; any other is answered exactly
        as a section that does not exist. Front ends that confine a caller (the MCP
        server's ``--sections``) work through such a view."""
        view = copy.copy(self)
        view.scope = SectionScope(sections)
        view.entries = self.entries.scoped(view.scope)
        view.entries.engine = view  # keeps the view's write context (with_context)
        return view

    # -- plumbing --------------------------------------------------------------------
    def connection(self):
        """A pooled connection in a transaction (committed on success, rolled back on error)."""
        return _translating(self.pool.connection())

    def _store(self, conn) -> ConfigStore:
        return ConfigStore(conn, self.settings, self.registry, self.scope)

    def _config_changed(self) -> None:
        self.entries.invalidate()

    # -- installation ------------------------------------------------------------------
    @_json_result
    def install(self) -> dict:
        """Install or upgrade the system schema and sync the field-type registry."""
        with self.connection() as conn:
            applied = install_system_schema(conn, self.settings)
            synced = sync_field_types(conn, self.settings, self.registry)
            version = installed_version(conn, self.settings)
        build_source_indexes(self.migration_url, self.settings)
        self._installed = True
        return {"applied": applied, "schema_version": version, "field_types": synced}

    def ensure_installed(self) -> None:
        if self._installed:
            return
        with self._install_lock:
            if self._installed:
                return
            with self.connection() as conn:
                current = installed_version(conn, self.settings)
                latest = max(v for v, _, _ in migration_files())
                upgraded = current is None or current < latest
                if upgraded:
                    install_system_schema(conn, self.settings)
                if unsynced_handles(conn, self.settings, self.registry):
                    sync_field_types(conn, self.settings, self.registry)
            if upgraded:
                build_source_indexes(self.migration_url, self.settings)
            self._installed = True

    def sync_field_types(self) -> list[str]:
        with self.connection() as conn:
            return sync_field_types(conn, self.settings, self.registry)

    @_json_result
    def field_types(self) -> list[dict]:
        return [ft.describe() for ft in sorted(self.registry, key=lambda f: (f.category, f.handle))]

    # -- sections ----------------------------------------------------------------------
    @_json_result
    def create_section(self, handle, label=None, description=None, icon=None, title_field_handle=None) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            return self._store(conn).create_section(handle, label, description, icon, title_field_handle)

    @_json_result
    def get_section(self, section) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            store = self._store(conn)
            found = store.find_section(section)
            found["fields"] = store.fields(found["id"])
            return found

    @_json_result
    def list_sections(self) -> list[dict]:
        self.ensure_installed()
        with self.connection() as conn:
            store = self._store(conn)
            sections = store.list_sections()
            for s in sections:
                s["fields"] = store.fields(s["id"])
            return sections

    @_json_result
    def update_section(self, section, changes: dict) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            updated = self._store(conn).update_section(section, changes)
        self.entries.invalidate()  # title field and validation rules apply at once
        return updated

    @_json_result
    def delete_section(self, section) -> dict:
        """Remove a section. Without a table its configuration is deleted at once;
        with one, the section is deactivated and a (destructive) migration archives
        the table, so the data can be restored by rolling that migration back."""
        self.ensure_installed()
        with self.connection() as conn:
            removal = remove_section(self._store(conn), section)
        found = removal.section
        if removal.already_deleted:
            return {"deleted": True, "already_deleted": True, "section": found, "migration": None,
                    "archived_by": found["last_migration_id"]}
        if removal.deleted:
            return {"deleted": True, "section": found, "migration": None}
        return {"deleted": False, "section": self.get_section(found["id"]), "migration": self.plan_migration(found["id"])}

    # -- fields ------------------------------------------------------------------------
    @_json_result
    def add_field(self, section, handle, label=None, field_type_handle=None, field_settings=None, is_required=False,
                  is_unique=False, default_value=None, help_text=None, placeholder=None, ui_width="full",
                  tab_name="Content", sort_order=None, is_visible=True) -> dict:
        self.ensure_installed()
        values = dict(handle=handle, label=label, field_type_handle=field_type_handle, field_settings=field_settings,
                      is_required=is_required, is_unique=is_unique, default_value=default_value, help_text=help_text,
                      placeholder=placeholder, ui_width=ui_width, tab_name=tab_name, sort_order=sort_order,
                      is_visible=is_visible)
        with self.connection() as conn:
            return self._store(conn).add_field(section, values)

    @_json_result
    def update_field(self, field_id, updates: dict) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            updated = self._store(conn).update_field(field_id, updates)
        self.entries.invalidate()  # validation rules apply at once
        return updated

    @_json_result
    def remove_field(self, section, field_handle) -> dict:
        self.ensure_installed()
        with self.connection() as conn:
            return self._store(conn).remove_field(section, field_handle)

    # -- migrations --------------------------------------------------------------------
    @_json_result
    def plan_migration(self, section, on_convert_failure: str = "refuse") -> dict:
        """Plan (and record) the migration of a section. ``on_convert_failure`` says what a
        type change does with values that do not convert: "refuse" the apply (default),
        set them to "null", or to the field's "default". An up-to-date section gives a
        result with ``changes`` False and ``id`` None."""
        self.ensure_installed()
        return _translate(self.migrations.plan, section, on_convert_failure)

    @_json_result
    def get_migration(self, migration_id) -> dict:
        self.ensure_installed()
        return _translate(self.migrations.get, migration_id)

    @_json_result
    def list_migrations(self, section=None) -> list[dict]:
        self.ensure_installed()
        section_id = self.get_section(section)["id"] if section is not None else None
        return _translate(self.migrations.list, section_id)

    @_json_result
    def apply_migration(self, migration_id, confirm: bool = False, progress=None) -> dict:
        """``progress(event)`` hears each step and every backfill batch (see migration_progress)."""
        self.ensure_installed()
        self.require_session_connection()
        with reporting_progress(progress):
            return _translate(self.migrations.apply, migration_id, confirm)

    @_json_result
    def rollback_migration(self, migration_id) -> dict:
        self.ensure_installed()
        self.require_session_connection()
        return _translate(self.migrations.rollback, migration_id)

    def migration_pooler(self) -> Pooler:
        """The pooler in front of the connection migrations use (see ``pooler.py``)."""
        clean, options = url_options(self.migration_url)
        explicit = options["pooler"] or (self.settings.pooler if self.migration_url == self.url else None)
        return _translate(detect, clean, explicit)

    def require_session_connection(self) -> None:
        """Refuse to migrate through a transaction pooler: apply and rollback hold a session
        advisory lock and session timeouts, and run CONCURRENTLY steps outside a transaction."""
        pooler = self.migration_pooler()
        if pooler.keeps_sessions:
            return
        what = "a transaction pooler" if pooler.mode == "transaction" else "a pooler of unknown mode"
        hint = "" if pooler.mode == "transaction" else (
            " If it is a session pooler, say so with ?pooler=session in the URL or SECTIONS_POOLER=session.")
        raise Refused(
            f"migrations cannot run through {what} ({pooler.reason}): apply and rollback need one database "
            "session for their lock and settings. Use the direct connection (Supabase: port 5432 of "
            "db.<project>.supabase.co) or a session pooler: set SECTIONS_MIGRATION_DATABASE_URL (the "
            "migration_database_url setting) to it, or run the command with --database-url pointing there." + hint)

    @_json_result
    def resume_migration(self, migration_id) -> dict:
        """Finish an interrupted apply (or rollback) from its recorded progress."""
        self.ensure_installed()
        self.require_session_connection()
        return _translate(self.migrations.resume, migration_id)

    @_json_result
    def abort_migration(self, migration_id) -> dict:
        """Undo an interrupted apply, leaving the table as before it started."""
        self.ensure_installed()
        self.require_session_connection()
        return _translate(self.migrations.abort, migration_id)

    # -- entries -----------------------------------------------------------------------
    # Every write returns its change set id (``result.run_id``; see history.facade).
    @_json_result
    def create_entry(self, section_handle, data: dict) -> dict:
        return stamped(self.entries.create(section_handle, data))

    def create_entries(self, section_handle, items: list, on_conflict=None, keep_ids: bool = False) -> list[dict]:
        return stamped(self.entries.create_many(section_handle, items, on_conflict=on_conflict, keep_ids=keep_ids))

    @_json_result
    def get_entry(self, section_handle, entry_id, fields=None, primary: bool = False, as_of=None) -> dict:
        """``as_of`` (a time): the entry as it was then, from its history."""
        if as_of is not None:
            return self.entry_as_of(section_handle, entry_id, as_of)
        return self.entries.get(section_handle, entry_id, fields=fields, primary=primary)

    @_json_result
    def update_entry(self, section_handle, entry_id, data: dict) -> dict:
        return stamped(self.entries.update(section_handle, entry_id, data))

    def delete_entry(self, section_handle, entry_id) -> bool:
        return self.entries.delete(section_handle, entry_id)

    @_json_result
    def update_entries(self, section_handle, filters, data: dict, confirm: bool = False, progress=None,
                       max_entries: int | None = None) -> dict:
        return stamped(self.entries.update_many(section_handle, filters, data, confirm=confirm, progress=progress,
                                                max_entries=max_entries))

    @_json_result
    def delete_entries(self, section_handle, filters, confirm: bool = False, progress=None,
                       max_entries: int | None = None) -> dict:
        return stamped(self.entries.delete_many(section_handle, filters, confirm=confirm, progress=progress,
                                                max_entries=max_entries))

    @_json_result
    def aggregate_entries(self, section_handle, aggregates, group_by=None, filters=None, primary: bool = False) -> dict:
        return self.entries.aggregate(section_handle, aggregates, group_by=group_by, filters=filters, primary=primary)

    def query_entries(self, section_handle, filters=None, order_by=None, limit=None, offset=0, fields=None,
                      count="exact", search=None, primary: bool = False) -> dict:
        return self.entries.query(section_handle, filters, order_by, limit, offset, fields=fields, count=count,
                                  search=search, primary=primary)


def _translate(fn, *args):
    try:
        return fn(*args)
    except ContentError:
        raise
    except psycopg.Error as exc:
        raise DatabaseFailure(f"database error: {database_message(exc)}") from exc


class _translating:
    """Wraps a pool connection context so psycopg errors surface as DatabaseFailure."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __enter__(self):
        return self.ctx.__enter__()

    def __exit__(self, exc_type, exc, tb):
        suppressed = self.ctx.__exit__(exc_type, exc, tb)
        if exc is not None and isinstance(exc, psycopg.Error) and not isinstance(exc, ContentError):
            raise DatabaseFailure(f"database error: {database_message(exc)}") from exc
        return suppressed
