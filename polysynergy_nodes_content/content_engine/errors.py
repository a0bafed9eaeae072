"""The engine's errors. Each carries a message a user can act on.

The CLI maps the classes to exit codes; nodes put ``str(error)`` in ``false_path``.
"""

from __future__ import annotations

# A missing optional extra is told as an error with the command that installs it.
from .install_hint import extra_install_hint  # noqa: F401  (re-exported)


class ContentError(Exception):
    """Base of every engine error."""

    exit_code = 1


class InvalidInput(ContentError, ValueError):
    """Bad input: a handle, a setting, a value, a filter. Names the field and the reason."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None, index: int | None = None, errors=None):
        self.field = field
        self.index = index
        self.errors = errors or []
        super().__init__(message)


class NestedTooDeeply(InvalidInput):
    """JSON (a value, a filter, settings) nested deeper than can be walked: Python's
    RecursionError, answered as bad input (exit 2, HTTP 400, a tool error), not a crash."""

    def __init__(self, field: str | None = None):
        where = f"{field}: " if field else ""
        super().__init__(f"{where}nested too deeply (arrays or objects inside each other); flatten the value",
                         field=field)


class NotFound(InvalidInput, LookupError):
    """A section, field, migration or entry that does not exist."""


class Refused(ContentError):
    """The request is well formed but unsafe now: stale plan, needs confirmation, not latest."""

    exit_code = 3


class NeedsConfirmation(Refused):
    """A destructive migration applied without ``confirm=True``."""


class StaleMigration(Refused):
    """The migration was superseded or the live table changed since it was planned."""


class PendingMigration(Refused):
    """The section's table does not match its configuration yet."""


class DatabaseFailure(ContentError):
    """The database refused or failed the work; nothing was changed."""

    exit_code = 4


class SchemaApplyStopped(ContentError):
    """A schema file's apply stopped at a section whose migration failed; the sections
    before it stay applied. ``report`` says which are done, which failed and which did not
    run; the exit code is that of the failure behind it."""

    def __init__(self, message: str, report: dict, cause: ContentError):
        self.report = report
        self.exit_code = cause.exit_code
        super().__init__(message)


class ConfigurationError(ContentError):
    """No database URL, or a setting that cannot work."""

    exit_code = 2


def database_message(exc: BaseException, with_detail: bool = False) -> str:
    """The server's own message of a psycopg error (plus its detail line if asked)."""
    diag = getattr(exc, "diag", None)
    if diag is not None and diag.message_primary:
        text = diag.message_primary
        if with_detail and diag.message_detail:
            text += f" ({diag.message_detail})"
        return text
    return str(exc).strip()
