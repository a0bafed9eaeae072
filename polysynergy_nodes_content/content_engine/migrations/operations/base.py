"""The base of every migration operation and the context the diff builds them in.

An operation is the record apply and the review consume (``operations.Operation``:
kind, description, up and down steps, pre-checks, findings) plus what it knows about
itself: the lock it takes, the phases it runs in and whether it destroys data.
Statements are rendered without a database connection, so the planner's diff stays pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from ...settings import EngineSettings
from ..steps import BEFORE_MAIN, PHASES, Operation, Precheck, Step

#: PostgreSQL lock modes an operation may declare, weakest first.
LOCKS = ("NONE", "ACCESS SHARE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "ACCESS EXCLUSIVE")

# Operation order inside one migration.
ORDER_DROP_CONSTRAINT = 10
ORDER_RENAME_TABLE = 20
ORDER_RENAME_COLUMN = 25
ORDER_DROP_COLUMN = 30
ORDER_ALTER_TYPE = 40
ORDER_DEFAULT = 45
ORDER_CREATE_TABLE = 50
ORDER_ADD_COLUMN = 55
ORDER_NOT_NULL = 60
ORDER_ADD_CONSTRAINT = 70
ORDER_JUNCTION = 80
ORDER_ARCHIVE_TABLE = 90
ORDER_NOTIFY = 99


@dataclass(frozen=True)
class PlanContext:
    """Where a migration's operations live: settings, schemas and the migration's id."""

    settings: EngineSettings
    migration_id: str
    #: Table name after the migration -> its live name now (a section renamed in this migration).
    live_names: dict = field(default_factory=dict)
    #: What a type change does with values that do not convert: "refuse" the apply, set
    #: them to "null" or to the field's "default".
    on_convert_failure: str = "refuse"
    #: The schema of an adopted table that stays where it was made (None: the content schema).
    table_schema: str | None = None

    @property
    def schema(self) -> str:
        return self.table_schema or self.settings.content_schema

    @property
    def archive_schema(self) -> str:
        return self.settings.archive_schema

    def table(self, name: str) -> sql.Identifier:
        return sql.Identifier(self.schema, name)

    def target(self, name: str, schema: str | None = None) -> sql.Identifier:
        """A relation's target table: a section the engine made, in the content schema, or
        an adopted table, in the schema it was made in."""
        return sql.Identifier(schema or self.settings.content_schema, name)


def render(composed: sql.Composable) -> str:
    """SQL text of a composed statement; no connection is needed for identifiers and literals."""
    return composed.as_string(None)


def step(composed: sql.Composable | str, phase: str = "main", undo: list | None = None,
         index_name: str | None = None) -> Step:
    text = composed if isinstance(composed, str) else render(composed)
    return Step(text, phase=phase, undo=list(undo or []), index_name=index_name)


def unbounded_call(settings: EngineSettings, call: sql.Composable) -> list[Step]:
    """A batched CALL of the ``backfill`` phase, exempt from the statement timeout (which
    bounds single statements and would otherwise end a long batched copy)."""
    return [step("SET statement_timeout = 0", phase="backfill"),
            step(call, phase="backfill"),
            step(sql.SQL("SET statement_timeout = {}").format(sql.Literal(f"{settings.statement_timeout_ms}ms")),
                 phase="backfill")]


class MigrationOperation(Operation):
    """An operation kind. Subclasses set ``kind``, ``order`` and ``lock`` and build their
    steps in ``forwards``/``backwards``; ``checks`` lists the counts the review shows."""

    kind: str = ""
    #: The strongest lock its statements take, and for what.
    lock: str = "ACCESS EXCLUSIVE"
    lock_note: str = "brief: a catalog change"
    destroys_data: bool = False

    def __init__(self, ctx: PlanContext):
        self.ctx = ctx
        #: (pre-check, SQL returning its count), run after the diff by ``planning.measure``.
        self.measures: list[tuple[Precheck, str]] = []
        Operation.__init__(
            self, kind=self.kind, description=self.describe(), up=self.forwards(), down=self.backwards(),
            destructive=self.destroys_data, irreversible=self.irreversible_reason(), order=self.order,
            names=self.dropped_names(),
        )
        self.prechecks = self.checks()

    # -- what subclasses say ------------------------------------------------------
    def describe(self) -> str:
        raise NotImplementedError

    def forwards(self) -> list[Step]:
        raise NotImplementedError

    def backwards(self) -> list[Step]:
        raise NotImplementedError

    def checks(self) -> list[Precheck]:
        """Counts the reviewer must see; counted after the diff (see ``measure``)."""
        return []

    def irreversible_reason(self) -> str | None:
        return None

    def dropped_names(self) -> list[str]:
        """Constraints this operation drops (so a later one does not restore them twice)."""
        return []

    def to_dict(self) -> dict:
        """The stored record, with the lock and phases the operation declares."""
        return {**Operation.to_dict(self), "lock": f"{self.lock} ({self.lock_note})", "phases": list(self.phases)}

    # -- helpers ---------------------------------------------------------------------
    def measure(self, description: str, count_sql: sql.Composable, blocking: bool = True,
                shown: bool = True, sample_sql: sql.Composable | None = None, hint: str = "") -> Precheck:
        """A pre-check counted later by running ``count_sql``; ``shown`` puts the query in the review
        (and makes apply count again before it starts); ``sample_sql`` returns a few offending values."""
        text = render(count_sql)
        check = Precheck(description, text if shown else "", blocking, None, hint=hint)
        if sample_sql is not None:
            check.sample_query = render(sample_sql)
        self.measures.append((check, text))
        return check

    @property
    def phases(self) -> tuple[str, ...]:
        """The phases its forward steps run in (pre: before, main: inside, post: after the transaction)."""
        return tuple(p for p in PHASES if any(s.phase == p for s in self.up))

    @property
    def measured(self) -> int | None:
        """The count of its first pre-check (None until measured, or without one)."""
        return self.prechecks[0].count if self.prechecks else None

    def table(self, name: str) -> sql.Identifier:
        return self.ctx.table(name)

    def table_in(self, phase: str) -> sql.Identifier:
        """The table as a step of ``phase`` names it: before the transaction, by its name before a rename."""
        return self.table_before() if phase in BEFORE_MAIN else self.table(self.table_name)

    def table_before(self) -> sql.Identifier:
        """The table as it is named before the migration: what pre-check counts and steps of
        the ``pre`` phase (and their undo) must use, since a rename in the transaction has
        not run yet."""
        return self.ctx.table(self.ctx.live_names.get(self.table_name, self.table_name))
