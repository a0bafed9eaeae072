"""The shape of a lint rule (not a custom validation rule: those are ``rules/``): a name, what it catches, why that matters and the fix."""

from __future__ import annotations

from ..steps import Finding


class LintRule:
    """One review rule. ``check`` looks at one planned operation (its pre-check counts
    already measured) and returns the findings the review shows for it."""

    name: str = ""
    catches: str = ""
    why: str = ""
    fix: str = ""

    def check(self, op) -> list[Finding]:
        raise NotImplementedError

    def error(self, message: str) -> Finding:
        """A finding that predicts the apply will fail."""
        return Finding(self.name, "error", message)

    def warning(self, message: str) -> Finding:
        return Finding(self.name, "warning", message)

    def info(self, message: str) -> Finding:
        return Finding(self.name, "info", message)

    def describe(self) -> dict:
        return {"name": self.name, "catches": self.catches, "why": self.why, "fix": self.fix}
