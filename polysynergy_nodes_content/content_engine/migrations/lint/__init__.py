"""The migration review's lint rules (one module per hazard in ``hazards/``) and running them.

The rules import the operation classes; the operations never import the rules, so a
finding is computed here, after the pre-checks are measured."""

from __future__ import annotations

from .hazard import LintRule
from .hazards import (
    adding_foreign_key_constraint,
    adding_not_nullable_field,
    adding_required_field,
    ban_drop_column,
    ban_drop_table,
    changing_column_type,
    constraint_violation,
    disallowed_unique_constraint,
    dropping_constraint,
    dropping_not_null,
    lossy_rollback,
    renaming_column,
    renaming_table,
    rollback_archives_table,
)

#: Every rule, in the order its findings are listed for an operation.
RULES: tuple[LintRule, ...] = tuple(module.RULE for module in (
    rollback_archives_table, renaming_table, ban_drop_table, ban_drop_column, adding_required_field,
    adding_not_nullable_field, constraint_violation, disallowed_unique_constraint, adding_foreign_key_constraint,
    changing_column_type, lossy_rollback, renaming_column, dropping_not_null, dropping_constraint,
))


def lint_operations(operations: list) -> None:
    """Attach each operation's findings (its pre-check counts must be measured first)."""
    for op in operations:
        op.lint = findings(op)


def findings(op) -> list:
    """What the lint rules say about one operation (its pre-checks measured first)."""
    return [finding for rule in RULES for finding in rule.check(op)]


def rule_named(name: str) -> LintRule:
    for rule in RULES:
        if rule.name == name:
            return rule
    raise KeyError(name)


__all__ = ["RULES", "LintRule", "findings", "lint_operations", "rule_named"]
