"""Shared CLI plumbing: which database, output (rich or JSON), errors -> exit codes.

Exit codes: 0 success, 2 bad input (also click usage errors and configuration),
3 refused (stale migration, needs confirmation, declined at the prompt),
4 database error, 1 anything unexpected.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field

import click
import psycopg
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

from ..content_engine.engine import json_safe
from ..content_engine.errors import ContentError, DatabaseFailure, InvalidInput, NestedTooDeeply, Refused
from ..content_engine.postgres import URL_ENV_VARS, check_connection, mask_url, split_url_options
from .shown import json_text, shown

EXIT_OK = 0
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_DATABASE = 4


class Declined(Refused):
    """The user answered no at a confirmation prompt (or could not be asked)."""


@dataclass
class DatabaseChoice:
    url: str
    source: str  # "--database-url", "SECTIONS_DATABASE_URL", "DATABASE_URL" or "embedded"
    data_dir: str | None = None
    pid: int | None = None
    started_now: bool = False

    @property
    def user_given(self) -> bool:
        return self.source != "embedded"

    def describe(self) -> dict:
        out = {"url": mask_url(self.url), "source": self.source}
        if self.source == "embedded":
            out.update({"data_dir": self.data_dir, "pid": self.pid, "started_now": self.started_now})
        return out

    def sentence(self) -> str:
        if self.source == "embedded":
            how = "started now" if self.started_now else "reused"
            return (f"Database: embedded PostgreSQL ({how}, pid {self.pid}, data in {self.data_dir}) "
                    f"{mask_url(self.url)}")
        return f"Database: {mask_url(self.url)} (from {self.source})"


def choose_database(explicit: str | None, data_dir: str | None, database: str | None = None) -> DatabaseChoice:
    """--database-url, else SECTIONS_DATABASE_URL, else DATABASE_URL, else the embedded server."""
    if explicit and explicit.strip():
        return DatabaseChoice(explicit.strip(), "--database-url")
    for name in URL_ENV_VARS:
        value = os.environ.get(name, "").strip()
        if value:
            return DatabaseChoice(value, name)
    from ..content_engine.postgres import DEFAULT_DATABASE, start_embedded

    db = start_embedded(data_dir, database=database or DEFAULT_DATABASE)
    return DatabaseChoice(db.url, "embedded", str(db.data_dir), db.pid, db.started_now)


def close_pools_for(url: str | None, whole_server: bool = False) -> None:
    """Close this process's pools to ``url`` (or to any database of its server), e.g.
    before that database is dropped or the embedded server is stopped."""
    if not url:
        return
    from urllib.parse import unquote

    from psycopg.conninfo import conninfo_to_dict

    from ..content_engine.postgres import connections as database

    def where(u: str) -> tuple:
        try:
            params = conninfo_to_dict(unquote(split_url_options(u)[0]))
        except psycopg.Error:
            return (u,)
        server = (params.get("host"), str(params.get("port") or ""))
        return server if whole_server else (*server, params.get("dbname"))

    wanted = where(url)
    for key, pool in list(getattr(database, "_pools", {}).items()):
        if where(str(key[0])) == wanted:
            try:
                pool.close(timeout=5)
            except Exception:  # pragma: no cover - best effort
                pass


@dataclass
class State:
    """The root context object: global options, the chosen database and the engine."""

    database_url: str | None = None
    data_dir: str | None = None
    json: bool = False
    choice: DatabaseChoice | None = None
    _engine: object = None
    _announced: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def console(self) -> Console:
        width = None if sys.stdout.isatty() else 160
        return Console(width=width, soft_wrap=False, highlight=False)

    @property
    def err(self) -> Console:
        return Console(stderr=True, highlight=False)

    def use_database(self, choice: DatabaseChoice) -> DatabaseChoice:
        self.choice = choice
        if not self.json and not self._announced:
            self._announced = True
            self.err.print(f"[dim]{shown(choice.sentence())}[/dim]", soft_wrap=True)
        return choice

    def database(self) -> DatabaseChoice:
        if self.choice is None:
            self.use_database(choose_database(self.database_url, self.data_dir))
        return self.choice

    def engine(self):
        if self._engine is None:
            from ..content_engine.engine import ContentEngine

            choice = self.database()
            check_connection(choice.url)
            engine = ContentEngine(choice.url)
            engine.history_context = engine.history_context.merged(source="cli")  # recorded with its writes
            try:
                engine.ensure_installed()
            except psycopg.Error as exc:
                raise DatabaseFailure(f"database error: {exc}") from exc
            self._engine = engine
        return self._engine


def state() -> State:
    return click.get_current_context().find_root().obj


def json_option(fn):
    """A per-command ``--json`` (the same as the global one)."""

    def callback(ctx, param, value):
        if value:
            ctx.find_root().obj.json = True
        return value

    return click.option("--json", "json_output", is_flag=True, expose_value=False, callback=callback,
                        is_eager=True, help="Print the result as JSON (for scripts).")(fn)


def emit(data: dict, render=None) -> None:
    """Print the result: JSON (with the database used) or via ``render()``."""
    st = state()
    if st.json:
        payload = {"ok": True, **json_safe(data)}
        if st.choice is not None:
            payload["database"] = st.choice.describe()
        click.echo(json_text(payload, indent=2, default=str))
    elif render is not None:
        render()


def report_error(exc: Exception, code: int) -> None:
    st = state()
    kind = type(exc).__name__
    message = str(exc)
    if st is not None and st.json:
        error = {"type": kind, "message": message, "exit_code": code}
        for attr in ("field", "index", "line", "errors"):
            value = getattr(exc, attr, None)
            if value not in (None, []):
                error[attr] = value
        payload = {"ok": False, "error": json_safe(error)}
        if st.choice is not None:
            payload["database"] = st.choice.describe()
        click.echo(json_text(payload, indent=2, default=str))
        return
    label = {EXIT_INVALID: "Invalid input", EXIT_REFUSED: "Refused", EXIT_DATABASE: "Database error"}.get(code, "Error")
    Console(stderr=True, highlight=False).print(f"[bold red]{label}:[/bold red] {shown(message)}", soft_wrap=True)
    hint = getattr(exc, "hint", None)
    if hint:
        Console(stderr=True, highlight=False).print(f"[yellow]Hint:[/yellow] {shown(hint)}", soft_wrap=True)


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, ContentError):
        return exc.exit_code if exc.exit_code in (EXIT_INVALID, EXIT_REFUSED, EXIT_DATABASE) else 1
    if isinstance(exc, psycopg.Error):
        return EXIT_DATABASE
    return 1


class ContentGroup(click.Group):
    """A click group that turns engine errors into messages and exit codes (input nested
    too deeply to walk, a RecursionError, is bad input: exit 2)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RecursionError:
            report_error(NestedTooDeeply(), EXIT_INVALID)
            ctx.exit(EXIT_INVALID)
        except (ContentError, psycopg.Error) as exc:
            code = exit_code_for(exc)
            report_error(exc, code)
            ctx.exit(code)


def parse_json_arg(value: str | None, name: str, allow_stdin: bool = True):
    """A JSON option value; ``-`` reads it from stdin, ``@path`` from a file."""
    if value is None:
        return None
    text = value
    if allow_stdin and value == "-":
        text = sys.stdin.read()
    elif value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise InvalidInput(f"{name}: cannot read {value[1:]}: {exc.strerror}", field=name) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name} is not valid JSON: {exc.msg} at position {exc.pos}", field=name) from None
    except RecursionError:
        raise NestedTooDeeply(name) from None


def confirm(question: str, yes: bool, default: bool = False) -> None:
    """Ask before a change; ``--yes`` skips the question. Declining exits with code 3."""
    if yes:
        return
    try:
        answer = click.confirm(shown(question, markup=False), default=default, err=True)
    except click.Abort:
        raise Declined("no confirmation (the prompt could not be answered); pass --yes to confirm in scripts") from None
    if not answer:
        raise Declined("cancelled at the confirmation prompt; nothing was changed")


# -- rendering helpers ----------------------------------------------------------------------
def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def table(title: str | None, columns: list[str], rows: list[list], **kwargs) -> Table:
    t = Table(title=None if title is None else shown(title), show_lines=False, **kwargs)
    for c in columns:
        if c == "id":
            t.add_column(c, no_wrap=True, min_width=36)
        else:
            t.add_column(shown(c), overflow="fold")
    for r in rows:
        t.add_row(*(shown(cell(v)) for v in r))
    return t


def print_sql(console: Console, text: str, title: str | None = None) -> None:
    """SQL with syntax colour on a terminal (risky lines highlighted); plain text otherwise.
    Control and bidi characters in it (from labels in comments) are shown escaped."""
    text = shown(text, markup=False, lines=True)
    if title:
        console.print(f"[bold]{shown(title)}[/bold]")
    if console.is_terminal:
        risky = {
            n for n, line in enumerate(text.splitlines(), start=1)
            if line.startswith("-- DESTRUCTIVE") or line.startswith("-- ERROR") or line.startswith("-- WARNING")
        }
        console.print(Syntax(text.rstrip("\n"), "sql", theme="monokai", word_wrap=True, highlight_lines=risky))
    else:
        click.echo(text.rstrip("\n"))


def short_id(value) -> str:
    return str(value)[:8] if value else ""
