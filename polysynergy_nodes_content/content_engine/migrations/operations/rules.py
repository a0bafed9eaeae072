"""Custom validation rules as named CHECK constraints (see ``rules/check_constraints``)."""

from __future__ import annotations

from psycopg import sql

from ...rules import desired_rule_checks, is_rule_check
from ..steps import Precheck, Step
from .base import ORDER_ADD_CONSTRAINT, MigrationOperation, step
from .constraints import DropConstraint


class AddRuleCheck(MigrationOperation):
    """A custom validation rule as a CHECK, added NOT VALID and validated after the commit
    when rows exist (the review counts the rows that break it)."""

    kind = "add_rule_check"
    order = ORDER_ADD_CONSTRAINT
    lock_note = "brief; VALIDATE scans under SHARE UPDATE EXCLUSIVE after the commit"

    def __init__(self, ctx, table_name: str, name: str, rule, expression: sql.Composable, populated: bool):
        self.table_name, self.name, self.rule, self.expression, self.populated = (
            table_name, name, rule, expression, populated)
        super().__init__(ctx)

    def describe(self) -> str:
        where = f"field '{self.rule.field}'" if self.rule.field else "the section"
        return f"Validation rule of {where} as CHECK {self.name}: {self.rule.message}"

    def forwards(self) -> list[Step]:
        t, ident = self.table(self.table_name), sql.Identifier(self.name)
        return [step(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} CHECK {} NOT VALID").format(t, ident, self.expression)),
                step(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(t, ident),
                     phase="post" if self.populated else "main")]

    def backwards(self) -> list[Step]:
        return [step(sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(
            self.table(self.table_name), sql.Identifier(self.name)))]

    def checks(self) -> list[Precheck]:
        if not self.populated:
            return []
        return [self.measure(f"rows that break the rule '{self.rule.message}'",
                             sql.SQL("SELECT count(*) FROM {} WHERE NOT coalesce({}, true)").format(
                                 self.table_before(), self.expression))]


class RuleOnlyInEngine(MigrationOperation):
    """A rule PostgreSQL cannot express: nothing to run, said in the review."""

    kind = "rule_in_engine_only"
    order = ORDER_ADD_CONSTRAINT
    lock = "NONE"
    lock_note = "nothing runs"

    def __init__(self, ctx, rule):
        self.rule = rule
        super().__init__(ctx)

    def describe(self) -> str:
        where = f"field '{self.rule.field}'" if self.rule.field else "the section"
        return (f"Validation rule of {where} ('{self.rule.message}') has no CHECK form: "
                "the engine enforces it, direct SQL writes are not checked")

    def forwards(self) -> list[Step]:
        return []

    def backwards(self) -> list[Step]:
        return []


def rule_operations(ctx, config: dict, fields: list, table_name: str, live_table, populated: bool) -> list:
    """Drop rule CHECKs that are no longer configured, add the missing ones."""
    wanted, engine_only = desired_rule_checks(config, fields)
    constraints = live_table.constraints if live_table is not None else {}
    ops: list = [DropConstraint(ctx, table_name, live_table, name, f"Drop validation rule CHECK {name}")
                 for name in constraints if is_rule_check(name) and name not in wanted]
    for name, (rule, expression) in wanted.items():
        if name not in constraints:
            ops.append(AddRuleCheck(ctx, table_name, name, rule, expression, populated))
    if ops:
        ops.extend(RuleOnlyInEngine(ctx, rule) for rule in engine_only)
    return ops
