"""Reviewed migrations: planning (a diff of configuration against the live table into
``operations``), the review's ``lint``, the seal, and apply, resume, abort and rollback.

This face is what other packages and the rest of the pack may import from here.
"""

from .lint import RULES, rule_named
from .operations import AdoptTable, EnableHistory, PlanContext
from .progress import reporting_progress
from .service import Migrations

__all__ = [
    "AdoptTable",
    "EnableHistory",
    "Migrations",
    "PlanContext",
    "RULES",
    "reporting_progress",
    "rule_named",
]
