"""Custom validation rules (the design's third kind of validation): their language,
the patterns they may use, and their form as CHECK constraints. Not the migration
review's lint rules (``migrations/lint``).

This face is what other packages and the rest of the pack may import from here.
"""

from .check_constraints import applied_rule_checks, desired_rule_checks, is_rule_check, rule_name
from .language import enforce, parse_rules, to_config
from .patterns import check_patterns, rule_pattern

__all__ = [
    "applied_rule_checks",
    "check_patterns",
    "desired_rule_checks",
    "enforce",
    "is_rule_check",
    "parse_rules",
    "rule_name",
    "rule_pattern",
    "to_config",
]
