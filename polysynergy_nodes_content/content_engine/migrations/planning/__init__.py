"""Planning a migration: read a snapshot, diff it against the configuration, count, lint."""

from .desired import DesiredField, desired_fields
from .diff import diff
from .measure import measure
from .snapshot import PlanningSnapshot, read_snapshot

__all__ = ["DesiredField", "desired_fields", "diff", "measure", "PlanningSnapshot", "read_snapshot"]
