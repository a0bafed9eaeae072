"""The FieldType base class: everything a field type knows, with safe defaults.

A field type is pure Python: it validates settings and values, converts values
between JSON, query parameters and database results, and *composes* SQL fragments
(column type, CHECK rules, filter conditions) with ``psycopg.sql``. It never talks to
a database; the engine does that.

Three representations of a value exist:
- input: what a user or a workflow sends (JSON-ish: str, int, float, bool, list, dict);
- parameter: the Python object handed to psycopg (``parse_value`` / ``serialize``);
- output: the JSON-safe value returned to users (``deserialize``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from psycopg import sql

from .errors import FieldSettingsError, UnsupportedFilterError
from .portal_config import PortalConfig, as_sql_text

#: Every operator of the query language; each field type allows a subset.
ALL_OPERATORS = frozenset(
    {
        "_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_null", "_nnull",
        "_contains", "_icontains", "_starts_with", "_ends_with", "_between",
    }
)
EQUALITY_OPERATORS = frozenset({"_eq", "_neq", "_in", "_nin", "_null", "_nnull"})
ORDERED_OPERATORS = EQUALITY_OPERATORS | {"_lt", "_lte", "_gt", "_gte", "_between"}
TEXT_OPERATORS = ORDERED_OPERATORS - {"_between"} | {
    "_contains", "_icontains", "_starts_with", "_ends_with",
}


@dataclass(frozen=True)
class CheckRule:
    """A rule the database enforces with a named CHECK constraint.

    ``kind`` is a short stable word (``length``, ``options``, ``range``, ``format``);
    the engine derives the constraint name from the field and the kind.
    ``expression`` is a boolean SQL expression over the column, NULL-tolerant.
    """

    kind: str
    expression: sql.Composable


@dataclass(frozen=True)
class Conversion:
    """How a column of one type becomes another.

    ``using`` and ``failure_predicate`` are SQL templates written in code (never
    user input) with the placeholders ``{column}`` and ``{type}``. The predicate is
    true for the rows whose value would not convert; ``None`` means every value
    converts. ``rewrites`` is False when PostgreSQL can relabel the column without
    rewriting the table (a longer varchar, varchar to text).
    """

    using: str = "{column}::{type}"
    failure_predicate: str | None = None
    rewrites: bool = True

    def using_sql(self, column: str, column_type: str) -> sql.Composed:
        return self.using_expression(sql.Identifier(column), column_type)

    def using_expression(self, expression: sql.Composable, column_type: str) -> sql.Composed:
        """The conversion applied to any expression (``NEW.col`` in a trigger, say)."""
        return sql.SQL(self.using).format(column=expression, type=sql.SQL(column_type))

    def failure_sql(self, column: str, column_type: str) -> sql.Composed | None:
        if self.failure_predicate is None:
            return None
        return sql.SQL(self.failure_predicate).format(
            column=sql.Identifier(column), type=sql.SQL(column_type)
        )


class FieldType(PortalConfig):
    """Base class of every field type.

    Subclasses set ``handle``, ``label`` and ``postgres_type`` (class attributes or
    properties) and override what differs. The ``@field_type`` decorator sets
    ``category`` and ``icon``. ``PortalConfig`` adds what PolySynergy's own API asks.
    """

    handle: str = ""
    label: str = ""
    #: The column type as PostgreSQL's ``format_type`` prints it (lower case).
    postgres_type: str = "text"
    ui_component: str = "text-input"
    description: str = ""
    version: str = "1"
    _category: str = "general"
    _icon: str | None = None
    #: Operators of the query language this type supports.
    filter_operators: frozenset[str] = EQUALITY_OPERATORS
    #: Target handle -> Conversion. Same-handle changes go through ``conversion_to``.
    conversions: dict[str, Conversion] = {}
    #: True when the type has a natural order (enables sorting and range checks).
    sortable: bool = True
    #: True when the text ``deserialize`` returns is a literal PostgreSQL stores as the very
    #: value the parameter would have been (a decimal's fixed-point text, an ISO instant):
    #: a batch that returns its entries then sends that text to COPY instead of dumping
    #: the parameter a second time. A subclass that changes the output or the column type
    #: must set it again to keep it.
    output_is_stored_text: bool = False
    #: Another name of a setting -> ours (PolySynergy's spelling, ``minDate`` -> ``min``).
    #: Given alone, it is copied to ours; both are stored.
    setting_aliases: dict[str, str] = {}

    # -- identity -----------------------------------------------------------------
    @property
    def category(self) -> str:
        return self._category

    @property
    def icon(self) -> str | None:
        return self._icon

    @property
    def settings_schema(self) -> dict | None:
        """JSON Schema (draft 2020-12) of the field's settings; ``None`` means none."""
        return None

    def describe(self) -> dict:
        """A JSON-safe summary, as stored in ``field_type_registry``."""
        return {
            "handle": self.handle,
            "label": self.label,
            "postgres_type": self.postgres_type,
            "ui_component": self.ui_component,
            "settings_schema": self.settings_schema,
            "category": self.category,
            "icon": self.icon,
            "version": self.version,
            "filter_operators": sorted(self.filter_operators),
            "description": self.description,
        }

    # -- settings -----------------------------------------------------------------
    def validate_settings(self, settings: dict | None) -> dict:
        """Check settings against the schema and the type's own rules; return them.

        Raises FieldSettingsError naming the offending setting.
        """
        settings = {} if settings is None else settings
        if not isinstance(settings, dict):
            raise FieldSettingsError(self.handle, "settings must be a JSON object")
        settings = self.with_aliases(settings)
        schema = self.settings_schema
        if schema:
            validator = Draft202012Validator(schema)
            errors = sorted(validator.iter_errors(settings), key=lambda e: list(e.path))
            if errors:
                first = errors[0]
                setting = ".".join(str(p) for p in first.path) or None
                if first.validator == "additionalProperties":
                    allowed = ", ".join(sorted(schema.get("properties", {}))) or "none"
                    message = f"{first.message} (allowed: {allowed})"
                else:
                    message = first.message
                raise FieldSettingsError(self.handle, message, setting)
        self.check_settings(settings)
        return settings

    def check_settings(self, settings: dict) -> None:
        """Rules a JSON Schema cannot express (for example min <= max)."""

    def with_aliases(self, settings: dict) -> dict:
        """The settings with each alias given alone copied to our name; two different
        values under the two names are refused."""
        copied = None
        for theirs, ours in self.setting_aliases.items():
            if theirs not in settings:
                continue
            if ours not in settings:
                copied = copied if copied is not None else dict(settings)
                copied[ours] = settings[theirs]
            elif settings[ours] != settings[theirs]:
                raise FieldSettingsError(self.handle, f"'{theirs}' ({settings[theirs]!r}) and '{ours}' "
                                         f"({settings[ours]!r}) are two names of one setting; give one", theirs)
        return settings if copied is None else copied

    def reconcile_aliases(self, settings, previous: dict | None):
        """Before a stored field is changed: where an alias and our name now differ, the one
        that changed since ``previous`` wins (each screen edits its own spelling)."""
        if not isinstance(settings, dict) or not previous:
            return settings
        settings = dict(settings)
        for theirs, ours in self.setting_aliases.items():
            if theirs in settings and ours in settings and settings[theirs] != settings[ours]:
                if previous.get(theirs) == settings[theirs]:
                    settings[theirs] = settings[ours]
                elif previous.get(ours) == settings[ours]:
                    settings[ours] = settings[theirs]
        return settings

    # -- values -------------------------------------------------------------------
    def parse_value(self, value: Any, settings: dict | None = None) -> Any:
        """Input -> parameter, checking only the kind of value. Raise ValueError."""
        return value

    def check_value(self, value: Any, settings: dict) -> str | None:
        """Rules from the settings, applied to a parsed value; return a message or None."""
        return None

    def validate(self, value: Any, settings: dict | None = None) -> tuple[bool, str | None]:
        """(True, None) when the value may be stored, else (False, reason). NULL is valid."""
        if value is None:
            return True, None
        try:
            parsed = self.parse_value(value, settings or {})
        except (TypeError, ValueError) as exc:
            return False, str(exc)
        message = self.check_value(parsed, settings or {})
        return (message is None), message

    def serialize(self, value: Any, settings: dict | None = None) -> Any:
        """Input -> the parameter psycopg sends (called after ``validate``)."""
        if value is None:
            return None
        return self.parse_value(value, settings or {})

    def deserialize(self, value: Any, settings: dict | None = None) -> Any:
        """Database result -> JSON-safe output."""
        return value

    def parse_column(self, values: list, settings: dict, refuse) -> list:
        """``parse_value`` then ``check_value`` of a whole column of non-null inputs, for
        types that keep the base ``validate``/``serialize``. A bad value's place holds
        ``refuse(reason)``. Batches call it once per column; a type may override it with
        a loop that does less per value, but must refuse exactly what the two do."""
        parse, check = self.parse_value, self.check_value
        out = []
        append = out.append
        for value in values:
            try:
                parsed = parse(value, settings)
            except (TypeError, ValueError) as exc:
                append(refuse(str(exc) or "is invalid"))
                continue
            message = check(parsed, settings)
            append(parsed if message is None else refuse(message))
        return out

    def deserialize_column(self, values: list, settings: dict | None = None) -> list:
        """``deserialize`` of a whole column (None stays None). Batches call it once per
        column, so a type may override it with a loop that does less per value."""
        deserialize = self.deserialize
        return [None if v is None else deserialize(v, settings) for v in values]

    # -- columns ------------------------------------------------------------------
    def stores_column(self, settings: dict | None = None) -> bool:
        """False for types kept outside the table (a multiple relation)."""
        return True

    def column_type(self, settings: dict | None = None) -> str:
        """The column type in ``format_type`` spelling, so the planner can compare it."""
        return self.postgres_type

    def is_text_searchable(self, settings: dict | None = None) -> bool:
        """Whether full-text search may cover this field: its own column holds text
        (``text`` or ``character varying(n)``). A type with another text column overrides it."""
        if not self.stores_column(settings):
            return False
        return self.column_type(settings).split("(", 1)[0].strip() in ("text", "character varying")

    def get_migration_sql(
        self, field_name: str, settings: dict | None = None, is_required: bool = False
    ) -> sql.Composed:
        """The column definition, e.g. ``"company_name" character varying(200) NOT NULL``."""
        parts = [sql.Identifier(field_name), sql.SQL(self.column_type(settings or {}))]
        if is_required:
            parts.append(sql.SQL("NOT NULL"))
        return as_sql_text(sql.SQL(" ").join(parts))

    def check_rules(self, column: str, settings: dict | None = None) -> list[CheckRule]:
        """CHECK rules the database should enforce for this column."""
        return []

    def index_method(self, settings: dict | None = None) -> str | None:
        """Access method of an index the type wants (``btree``, ``gin``) or None."""
        return None

    def get_index_sql(
        self, table_name: str, field_name: str, settings: dict | None = None, schema: str = "custom"
    ) -> sql.Composed | None:
        """A plain CREATE INDEX for the seed's API; the engine names and schedules its own."""
        method = self.index_method(settings or {})
        if method is None:
            return None
        return as_sql_text(sql.SQL("CREATE INDEX {name} ON {table} USING {method} ({column})").format(
            name=sql.Identifier(f"idx_{table_name}_{field_name}"[:63]),
            table=sql.Identifier(schema, table_name),
            method=sql.SQL(method),
            column=sql.Identifier(field_name),
        ))

    def default_sql(self, value: Any, settings: dict | None = None) -> sql.Composable:
        """A column DEFAULT for a (validated) default value."""
        return sql.SQL("{}::{}").format(
            sql.Literal(self.serialize(value, settings or {})), sql.SQL(self.column_type(settings or {}))
        )

    # -- relations -------------------------------------------------------------------
    # The engine asks these hooks and never a type's handle, so a plugin relation type
    # behaves exactly like the built-in one.
    def foreign_key_target(self, settings: dict | None = None) -> str | None:
        """Handle of the section a column references, if any."""
        return None

    def relation_target(self, settings: dict | None = None) -> str | None:
        """Handle of the section whose entries the field links to (column or junction)."""
        return self.foreign_key_target(settings)

    def is_relation(self, settings: dict | None = None) -> bool:
        """True when the field links entries of another section."""
        return self.relation_target(settings) is not None

    def uses_junction(self, settings: dict | None = None) -> bool:
        """True when the links live in a junction table instead of a column (many links)."""
        return self.is_relation(settings) and not self.stores_column(settings)

    def links_one_entry_of(self, settings: dict | None, stored_target_id, section_id) -> bool:
        """Whether this field (its settings and the target id the engine stored beside them)
        is a single relation to ``section_id``: a column with a foreign key. The other side
        of a reverse relation must be one."""
        return bool(self.stores_column(settings) and self.foreign_key_target(settings) is not None
                    and str(stored_target_id) == str(section_id))

    def reverse_relation(self, settings: dict | None = None) -> tuple[str, str] | None:
        """(section id or handle, field handle) when the field lists the entries of that
        section whose single relation field points to this entry (no column; read only)."""
        return None

    def retarget(self, settings: dict | None, target_handle: str) -> dict:
        """The settings after the target section got the handle ``target_handle``.

        Called when a target section is renamed, so a relation keeps pointing at it.
        """
        return dict(settings or {})

    def resolve_section_refs(self, settings: dict, previous: dict | None, find_section) -> dict:
        """The settings with the sections they name resolved, when a field is configured.

        ``find_section(ref)`` returns the section row (``id``, ``handle``) for an id or a
        handle, or None. A type that names its target by id (PolySynergy's
        ``relatedSection``) stores the handle the other hooks return beside it.
        """
        return settings

    def operators_for(self, settings: dict | None = None) -> frozenset[str]:
        """The query operators allowed for a field with these settings."""
        return self.filter_operators

    # -- type changes ---------------------------------------------------------------
    def conversion_to(
        self, target: "FieldType", old_settings: dict | None = None, new_settings: dict | None = None
    ) -> Conversion | None:
        """How to convert a column of this type (and settings) to the target; None if refused."""
        if target.handle == self.handle:
            return self.same_type_conversion(old_settings or {}, new_settings or {})
        return self.conversions.get(target.handle)

    def same_type_conversion(self, old_settings: dict, new_settings: dict) -> Conversion:
        """A settings change that changes the column type (a shorter varchar, say)."""
        return Conversion()

    # -- filters -----------------------------------------------------------------
    def parse_filter_value(self, operator: str, value: Any, settings: dict | None = None) -> Any:
        """Turn a filter operand into a parameter; raise ValueError with a clear reason."""
        return self.parse_value(value, settings or {})

    def compile_filter(
        self, operator: str, column: sql.Composable, value: Any, settings: dict | None = None
    ) -> tuple[sql.Composable, list]:
        """One condition of the query language as (SQL, parameters).

        ``column`` is an already-qualified identifier; values become parameters.
        """
        if operator not in self.filter_operators:
            allowed = ", ".join(sorted(self.filter_operators))
            raise UnsupportedFilterError(
                f"operator '{operator}' is not supported on {self.label} fields (allowed: {allowed})"
            )
        settings = settings or {}
        if operator in ("_null", "_nnull"):
            if not isinstance(value, bool):
                raise ValueError(f"{operator} takes true or false")
            is_null = value if operator == "_null" else not value
            return sql.SQL("{} IS NULL" if is_null else "{} IS NOT NULL").format(column), []
        if operator in ("_in", "_nin"):
            if not isinstance(value, list):
                raise ValueError(f"{operator} takes a list of values")
            items = [self.parse_filter_value(operator, v, settings) for v in value]
            if operator == "_in":
                return sql.SQL("{} = ANY(%s)").format(column), [items]
            return sql.SQL("({} IS NULL OR {} <> ALL(%s))").format(column, column), [items]
        if operator == "_between":
            if not isinstance(value, list) or len(value) != 2:
                raise ValueError("_between takes a list of two values [low, high]")
            low, high = (self.parse_filter_value(operator, v, settings) for v in value)
            return sql.SQL("{} BETWEEN %s AND %s").format(column), [low, high]
        if operator in ("_eq", "_neq") and value is None:
            return sql.SQL("{} IS NULL" if operator == "_eq" else "{} IS NOT NULL").format(column), []
        if operator in ("_contains", "_icontains", "_starts_with", "_ends_with"):
            if not isinstance(value, str):
                raise ValueError(f"{operator} takes a string")
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = {
                "_contains": f"%{escaped}%",
                "_icontains": f"%{escaped}%",
                "_starts_with": f"{escaped}%",
                "_ends_with": f"%{escaped}",
            }[operator]
            op = "ILIKE" if operator == "_icontains" else "LIKE"
            return sql.SQL("{}::text " + op + " %s").format(column), [pattern]
        comparison = {
            "_eq": "=", "_neq": "IS DISTINCT FROM", "_lt": "<", "_lte": "<=", "_gt": ">", "_gte": ">=",
        }[operator]
        parsed = self.parse_filter_value(operator, value, settings)
        return sql.SQL("{} " + comparison + " %s").format(column), [parsed]


#: The shape of an ISO-8601 date and time (a date alone is not an instant).
INSTANT_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*", re.DOTALL)
INSTANT_MESSAGE = "must be an ISO-8601 date and time (e.g. 2025-10-31T10:30:00Z)"


def to_instant(value: Any) -> dt.datetime:
    """An instant (the datetime type and the created_at/updated_at columns); a value
    without offset is taken as UTC. Raise ValueError(reason)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and INSTANT_PATTERN.fullmatch(value.strip()):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(INSTANT_MESSAGE) from None
    else:
        raise ValueError(INSTANT_MESSAGE)
    if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed


def to_uuid(value: Any) -> uuid.UUID:
    """An entry id as a UUID (relation values and the id column); raise ValueError(reason)."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise ValueError("must be an entry id (a UUID such as 3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f)")


def is_uuid(value: Any) -> bool:
    """Whether ``value`` reads as an entry or section id (``to_uuid`` accepts it)."""
    try:
        to_uuid(value)
    except ValueError:
        return False
    return True
