"""Migration operations: small objects that know their up SQL, down SQL and risks.

A step runs in one of four phases: ``pre`` (before the transaction: building indexes
CONCURRENTLY on existing columns, the new column and sync trigger of an online type
change), ``backfill`` (filling that column in batches, indexing it), ``main`` (one
transaction: all other DDL and the status update) and ``post`` (after commit:
CONCURRENTLY work on new columns, VALIDATE, index drops). Steps outside ``main`` are
idempotent, so an interrupted apply can run them again, and carry an ``undo`` so an
aborted one can be taken back. The reviewed script is rendered from these steps
(``script.render_script``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

PHASES = ("pre", "backfill", "main", "post")
#: Phases that run outside the main transaction, before it.
BEFORE_MAIN = ("pre", "backfill")


@dataclass
class Step:
    sql: str
    phase: str = "main"
    undo: list = field(default_factory=list)
    #: For CREATE INDEX CONCURRENTLY: an invalid leftover of this name is dropped first.
    index_name: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        known = {"sql", "phase", "undo", "index_name"}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def is_session_setting(self) -> bool:
        """A plain ``SET`` (not ``SET LOCAL``): session state, run again on a resumed apply."""
        text = self.sql.lstrip().upper()
        return text.startswith("SET ") and not text.startswith("SET LOCAL ")


@dataclass
class Precheck:
    """A count the reviewer must see, e.g. rows with NULL before SET NOT NULL."""

    description: str
    query: str
    blocking: bool = True
    count: int | None = None
    #: A few of the offending values (from ``sample_query``), shown in the review and
    #: in the refusal when apply counts them again.
    sample_query: str = ""
    samples: list = field(default_factory=list)
    #: What the user can do about it.
    hint: str = ""


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
