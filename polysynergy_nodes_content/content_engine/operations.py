"""Migration operations: small objects that know their up SQL, down SQL and risks.

A step runs in one of three phases: ``pre`` (before the transaction: building indexes
CONCURRENTLY on existing columns), ``main`` (one transaction: all other DDL and the
status update) and ``post`` (after commit: CONCURRENTLY work on new columns and index
drops). Non-transactional steps carry an ``undo`` so a failure can be compensated.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PHASES = ("pre", "main", "post")


@dataclass
class Step:
    sql: str
    phase: str = "main"
    undo: list = field(default_factory=list)
    #: For CREATE INDEX CONCURRENTLY: an invalid leftover of this name is dropped first.
    index_name: str | None = None
    #: A batch statement (``%(after)s`` = the last id done, returns the ids it did), run
    #: again in its own transaction until it returns nothing.
    repeat: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        return cls(**data)


@dataclass
class Precheck:
    """A count the reviewer must see, e.g. rows with NULL before SET NOT NULL."""

    description: str
    query: str
    blocking: bool = True
    count: int | None = None


@dataclass
class Finding:
    rule: str
    severity: str  # "error" blocks nothing by itself but predicts a failure; "warning"; "info"
    message: str


@dataclass
class Operation:
    kind: str
    description: str
    up: list = field(default_factory=list)
    down: list = field(default_factory=list)
    destructive: bool = False
    irreversible: str | None = None
    lint: list = field(default_factory=list)
    prechecks: list = field(default_factory=list)
    #: Planner ordering: drops of constraints first, additions last.
    order: int = 50
    #: Names of the constraints the operation drops (so a later step does not restore them twice).
    names: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "description": self.description,
            "destructive": self.destructive,
            "irreversible": self.irreversible,
            "lint": [asdict(f) for f in self.lint],
            "prechecks": [asdict(p) for p in self.prechecks],
            "up": [s.sql for s in self.up],
            "down": [s.sql for s in self.down],
        }


def ordered_steps(operations: list[Operation], direction: str = "up") -> list[Step]:
    """All steps of the operations grouped by phase, operation order kept within a phase."""
    if direction == "up":
        steps = [s for op in operations for s in op.up]
    else:
        steps = [s for op in reversed(operations) for s in op.down]
    return [s for phase in PHASES for s in steps if s.phase == phase]


def render_script(title: list[str], operations: list[Operation], direction: str, settings) -> str:
    """The reviewable SQL: a comment per operation, findings and counts inline."""
    lines = [f"-- {t}" for t in title]
    lines.append(
        f"-- Runs with lock_timeout = {settings.lock_timeout_ms}ms and statement_timeout = "
        f"{settings.statement_timeout_ms}ms. Statements marked CONCURRENTLY run on their own"
    )
    lines.append("-- (before or after the transaction); everything else runs in one transaction.")
    seq = operations if direction == "up" else list(reversed(operations))
    phase_titles = {
        "pre": "Before the transaction (CONCURRENTLY, idempotent)",
        "main": "In one transaction",
        "post": "After the transaction commits (CONCURRENTLY, idempotent)",
    }
    for phase in PHASES:
        chunks = []
        for number, op in enumerate(seq, 1):
            steps = [s for s in (op.up if direction == "up" else op.down) if s.phase == phase]
            if not steps:
                continue
            chunk = [f"-- [{number}] {op.description}"]
            if direction == "up":
                if op.destructive:
                    chunk.append("-- DESTRUCTIVE: needs confirm=True to apply")
                if op.irreversible:
                    chunk.append(f"-- IRREVERSIBLE: {op.irreversible}")
                for finding in op.lint:
                    chunk.append(f"-- {finding.severity.upper()} [{finding.rule}]: {finding.message}")
                for check in op.prechecks:
                    chunk.append(f"-- PRE-CHECK: {check.description}: {check.count} row(s)")
            for s in steps:
                if s.repeat:
                    chunk.append("-- Repeated, each batch in its own transaction, until no row is left "
                                 "(%(after)s = the last id of the previous batch):")
                chunk.append(s.sql.rstrip(";") + ";")
            chunks.append("\n".join(chunk))
        if chunks:
            lines.append("")
            lines.append(f"-- ===== {phase_titles[phase]} =====")
            lines.append("\n\n".join(chunks))
    if not operations:
        lines.append("-- Nothing to do: the live table matches the configuration.")
    return "\n".join(lines) + "\n"
