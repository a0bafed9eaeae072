"""What the entry API needs to know about a section: its *applied* fields.

Entries are validated against the configuration the live table was last migrated
to, so scheduled writers keep working while someone edits the section; a field that
is configured but not applied yet is refused with a message saying so.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time
from dataclasses import dataclass, field

from psycopg import sql

from polysynergy_section_field.section_field_runner import FieldType, FieldTypeRegistry

from ..errors import InvalidInput, NotFound, PendingMigration
from ..identifiers import IDENTIFIER_PATTERN, SYSTEM_COLUMNS
from ..json_values import json_safe
from ..postgres import generated_names as names
from ..rules import applied_rule_checks, is_rule_check, parse_rules, rule_name
from ..settings import EngineSettings
from .entry_ids import ID_TYPES, adopted_key, parse_entry_id
from .relation_keys import keyed_relation, section_key
from .reverse_links import ReverseLink, read_only_message, resolve_link


class _Refused:
    """A value a field type refused, with the reason."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


def _owner(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO that defines ``name``."""
    return next(c for c in cls.__mro__ if name in c.__dict__)


@dataclass
class FieldModel:
    id: str
    handle: str
    ft: FieldType
    settings: dict
    required: bool
    unique: bool
    has_default: bool
    stores_column: bool
    junction: str | None = None  # junction table of a multiple relation
    target_section: str | None = None
    reverse: ReverseLink | None = None  # where a reverse (one-to-many) field's links are
    #: The type of the related entries' ids (an adopted target keeps its own key).
    target_id_type: str = "uuid"

    @property
    def short_id(self) -> str:
        return names.short_id(self.id)

    @property
    def target_id_cast(self) -> sql.Composable:
        """The type of one related entry's id (``%s::{}``)."""
        return sql.SQL(ID_TYPES[self.target_id_type])

    @property
    def links(self) -> bool:
        """True when the value is a list of links (a junction table, or a reverse relation)."""
        return self.junction is not None or self.reverse is not None

    def link_rows(self, schema: str) -> sql.Composable:
        """The links as rows (source_id, target_id, sort_order, created_at)."""
        return self.reverse.link_rows() if self.reverse is not None else sql.Identifier(schema, self.junction)

    def __post_init__(self):
        cls = type(self.ft)
        # The base validate() + serialize() both call parse_value(); when a type keeps
        # them, parse once (validate -> check -> parameter in one step).
        self._single_parse = cls.validate is FieldType.validate and cls.serialize is FieldType.serialize
        self.plain_output = cls.deserialize is FieldType.deserialize
        # A type with its own column-wise output (decimal, integer, datetime) converts a
        # batch's column in one call.
        # Likewise a type's own parse_column only if parse_value/check_value are not newer.
        parse_owner = _owner(cls, "parse_column")
        self.parse_column = (
            self.ft.parse_column
            if issubclass(parse_owner, _owner(cls, "parse_value")) and issubclass(parse_owner, _owner(cls, "check_value"))
            else FieldType.parse_column.__get__(self.ft))
        # A subclass that overrides deserialize() alone must not inherit a parent's column loop.
        column_owner, value_owner = _owner(cls, "deserialize_column"), _owner(cls, "deserialize")
        self.column_output = column_owner is not FieldType and issubclass(column_owner, value_owner)
        # The output text may stand in for the parameter in a COPY only if the type that
        # says so is the one that defines the output, the parameter and the column.
        flag_owner = _owner(cls, "output_is_stored_text")
        self.output_is_stored_text = bool(cls.output_is_stored_text) and all(
            issubclass(flag_owner, _owner(cls, name)) for name in (
                "deserialize", "deserialize_column", "parse_value", "parse_column", "validate", "serialize",
                "column_type", "postgres_type"))

    def to_param(self, value):
        """A non-null input value as the parameter psycopg sends; raise ValueError(reason)."""
        ft, settings = self.ft, self.settings
        if self._single_parse:
            try:
                parsed = ft.parse_value(value, settings)
            except (TypeError, ValueError) as exc:
                raise ValueError(str(exc) or "is invalid") from None
            message = ft.check_value(parsed, settings)
            if message is not None:
                raise ValueError(message)
            return parsed
        ok, message = ft.validate(value, settings)
        if not ok:
            raise ValueError(message or "is invalid")
        return ft.serialize(value, settings)

    def params_column(self, values: list) -> list:
        """``to_param`` of a column of non-null inputs; a bad value's place holds a
        _Refused carrying the reason (see entry_columns)."""
        if self._single_parse:
            return self.parse_column(values, self.settings, _Refused)
        out = []
        for value in values:
            try:
                out.append(self.to_param(value))
            except ValueError as exc:
                out.append(_Refused(str(exc)))
        return out

    def output(self, value):
        """A database value as JSON-safe output."""
        if value is None:
            return None
        if self.plain_output:
            return json_safe(value)
        return self.ft.deserialize(value, self.settings)


@dataclass
class SectionModel:
    id: str
    handle: str
    table_name: str
    schema: str
    fields: dict  # handle -> FieldModel
    pending_handles: set = field(default_factory=set)
    #: The field that names an entry in listings (the section's title field, when applied).
    title_field: str | None = None
    #: Custom validation rules of the fields and the section (``rules/language``).
    rules: list = field(default_factory=list)
    #: The rule CHECKs of the live table (from the applied configuration): name -> (field, message).
    rule_check_messages: dict = field(default_factory=dict)
    #: The text columns full-text search covers (the section's search_fields, applied ones).
    search_fields: list = field(default_factory=list)
    #: Reverse relations that cannot be read now: handle -> why.
    unavailable: dict = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.monotonic)
    #: The type of the ``id`` column: uuid (every section the engine made), or an adopted
    #: table's own key type (bigint, integer, text); and the sequence an identity or serial key draws from.
    id_type: str = "uuid"
    id_sequence: str | None = None
    #: Whether the key column fills itself (a default, an identity) when an INSERT leaves it out.
    id_has_default: bool = True
    #: Composed SQL rendered once per model (key -> query string); see ``sql_text``.
    sql_cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        self.columns = [f for f in self.fields.values() if f.stores_column]
        self.multi = [f for f in self.fields.values() if f.junction]
        self.listed = [f for f in self.fields.values() if f.links]  # read as lists of ids
        self.read_only = frozenset(f.handle for f in self.fields.values() if f.reverse is not None)
        self.relations = [f for f in self.fields.values() if f.target_section]
        self._by_short_id = {f.short_id: f for f in self.fields.values()}

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.table_name)

    def parse_id(self, value):
        """An entry id of this section, as its key column takes it."""
        return parse_entry_id(value, self.id_type)

    @property
    def id_needs_value(self) -> bool:
        return not self.id_has_default

    @property
    def id_array(self) -> sql.Composable:
        """The array type of entry ids (``%s::{}`` in ``= ANY(...)``)."""
        return sql.SQL(ID_TYPES[self.id_type] + "[]")

    @property
    def id_cast(self) -> sql.Composable:
        """The type of one entry id (``%s::{}``)."""
        return sql.SQL(ID_TYPES[self.id_type])

    def column_fields(self) -> list[FieldModel]:
        return self.columns

    def multi_fields(self) -> list[FieldModel]:
        return self.multi

    def field_by_short_id(self, short: str) -> FieldModel | None:
        return self._by_short_id.get(short)

    def select_list(self, alias: str | None = None) -> sql.Composed:
        """The model's columns by name, never ``*``: a prepared statement then keeps its
        result type when someone adds a column ("cached plan must not change result type")."""
        names = ["id", *(f.handle for f in self.fields.values() if f.stores_column), "created_at", "updated_at"]
        if alias:
            return sql.SQL(", ").join(sql.Identifier(alias, n) for n in names)
        return sql.SQL(", ").join(sql.Identifier(n) for n in names)

    def sql_text(self, conn, key, build) -> str:
        """``build()`` rendered for ``conn`` once, then reused (identifiers never change
        within one model; a reloaded model starts with an empty cache)."""
        text = self.sql_cache.get(key)
        if text is None:
            text = build().as_string(conn)
            if len(self.sql_cache) < 512:
                self.sql_cache[key] = text
        return text

    def output_plan(self, names: tuple) -> list:
        """Per result column: (name, converter or None) for the columns of a result."""
        key = ("out", names)
        plan = self.sql_cache.get(key)
        if plan is None:
            plan = []
            for name in names:
                f = self.fields.get(name)
                plan.append((name, f.output if f is not None else _SYSTEM_OUTPUT.get(name)))
            if len(self.sql_cache) < 512:
                self.sql_cache[key] = plan
        return plan

    def rule_message(self, constraint: str) -> tuple[str, str] | None:
        """(field or "entry", message) of a custom validation rule's CHECK, else None."""
        if not is_rule_check(constraint):
            return None
        if constraint in self.rule_check_messages:
            return self.rule_check_messages[constraint]
        field_ids = {f.handle: f.id for f in self.fields.values()}
        for rule in self.rules:
            if rule_name(self.id, rule, field_ids) == constraint:
                return rule.field or "entry", rule.message
        return "entry", "breaks a validation rule of the section"

    def read_only_field(self, key) -> InvalidInput:
        return InvalidInput(read_only_message(key, self.fields[key].reverse), field=key)

    def unknown_field(self, key) -> InvalidInput:
        if key in self.unavailable:
            return InvalidInput(f"field '{key}' cannot be read now: {self.unavailable[key]}", field=str(key))
        if key in self.pending_handles:
            return InvalidInput(
                f"field '{key}' is configured but not in the table yet: apply the pending migration of section "
                f"'{self.handle}' first",
                field=str(key),
            )
        known = ", ".join(sorted(self.fields)) or "none"
        return InvalidInput(f"unknown field '{key}' in section '{self.handle}' (fields: {known})", field=str(key))


class ModelCache:
    """Section models by handle; reloaded after local changes or when stale."""

    def __init__(self, settings: EngineSettings, registry: FieldTypeRegistry, max_age: float = 30.0):
        self.settings = settings
        self.registry = registry
        self.max_age = max_age
        self._models: dict[str, SectionModel] = {}
        self._lock = threading.Lock()

    def invalidate(self, handle: str | None = None) -> None:
        with self._lock:
            if handle is None:
                self._models.clear()
            else:
                self._models.pop(handle, None)

    def get(self, conn, handle, refresh: bool = False) -> SectionModel:
        if not isinstance(handle, str):
            raise InvalidInput("section_handle must be a non-empty string", field="section_handle")
        model = None if refresh else self._models.get(handle)
        if model is not None and time.monotonic() - model.loaded_at < self.max_age:
            return model
        if not handle.strip():
            raise InvalidInput("section_handle must be a non-empty string", field="section_handle")
        if not IDENTIFIER_PATTERN.match(handle) or len(handle) > 63:
            # Section handles are identifiers; anything else cannot exist (and never reaches SQL).
            raise NotFound(f"section {handle[:80]!r} does not exist (section handles look like "
                           "'blog_posts')", field="section_handle")
        model = self.load(conn, handle)
        with self._lock:
            self._models[handle] = model
        return model

    def load(self, conn, handle: str) -> SectionModel:
        t = sql.Identifier(self.settings.system_schema, "sections")
        row = conn.execute(
            sql.SQL("SELECT id, handle, applied_state, title_field_handle, validation_rules, search_fields, "
                    "table_schema FROM {} "
                    "WHERE handle = %s").format(t),
            (handle,),
        ).fetchone()
        if row is None:
            raise missing_section(handle)
        section_id, section_handle, applied, title_field, section_rules, search_fields, table_schema = row
        if applied is None:
            raise PendingMigration(
                f"section '{section_handle}' has no table yet: generate and apply its migration first "
                "(MigrationGenerate, then MigrationApply)"
            )
        configured = set()
        rules = parse_rules(section_rules, f"section '{section_handle}'")
        for field_handle, field_rules in conn.execute(
                sql.SQL("SELECT handle, custom_validation_rules FROM {} WHERE section_id = %s").format(
                    sql.Identifier(self.settings.system_schema, "section_fields")),
                (section_id,)):
            configured.add(field_handle)
            rules += parse_rules(field_rules, f"field '{field_handle}'", field_handle)
        fields, unavailable, key_types = {}, {}, {}
        for f in applied["fields"]:
            ft = self.registry.get(f["field_type_handle"])
            settings = f["field_settings"] or {}
            stores = ft.stores_column(settings)
            target = ft.foreign_key_target(settings)
            link = None
            if ft.reverse_relation(settings) is not None:
                link = resolve_link(conn, self.settings.system_schema, self.settings.content_schema, self.registry,
                                    section_id, ft.reverse_relation(settings))
                if isinstance(link, str):
                    unavailable[f["handle"]] = link
                    continue
                target = link.section
            target_id_type = "uuid"
            if target:
                if target not in key_types:  # one look-up per target section
                    key_types[target] = section_key(conn, self.settings.system_schema, target)[1]
                target_id_type = key_types[target]
                ft = keyed_relation(ft, target_id_type) if link is None else ft
            fields[f["handle"]] = FieldModel(
                id=f["id"], handle=f["handle"], ft=ft, settings=settings, required=bool(f["is_required"]),
                unique=bool(f["is_unique"]), has_default=f.get("default_value") is not None, stores_column=stores,
                junction=None if stores or not target else names.junction_table_name(applied["section"]["handle"], f["handle"]),
                target_section=target, reverse=link, target_id_type=target_id_type,
            )
        return SectionModel(
            id=str(section_id), handle=section_handle, table_name=applied["section"]["table_name"],
            schema=table_schema or self.settings.content_schema, fields=fields, pending_handles=configured - set(fields),
            title_field=title_field if title_field in fields and fields[title_field].stores_column else None,
            rules=[r for r in rules if r.field is None or r.field in fields],
            rule_check_messages=applied_rule_checks(applied),
            search_fields=[h for h in (search_fields or []) if h in fields
                           and fields[h].ft.is_text_searchable(fields[h].settings)],
            unavailable=unavailable,
            **(adopted_key(conn, table_schema, applied["section"]["table_name"]) if table_schema else {}),
        )


def missing_section(handle: str) -> NotFound:
    """The answer for a section that does not exist, or that a caller's scope hides."""
    return NotFound(f"section '{handle[:80]}' does not exist", field="section_handle")


#: Output of the system columns (never null): the id as text, the timestamps in ISO 8601.
_SYSTEM_OUTPUT = {"id": str, "created_at": _dt.datetime.isoformat, "updated_at": _dt.datetime.isoformat}


__all__ = ["SectionModel", "FieldModel", "ModelCache", "missing_section", "parse_entry_id", "SYSTEM_COLUMNS", "ID_TYPES"]
