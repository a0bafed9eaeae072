"""``schema export|check|plan|apply|diff``: the content model as a file, promoted between
databases through the same reviewed migrations as ``migrations plan|apply``.

Exit codes as everywhere (0 ok, 2 bad input, 3 refused, 4 database error); ``schema diff``
exits 1 when the database drifted from the file (for CI), and ``schema check`` 2 when the
file is not valid.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console

from ..content_engine.engine import json_safe
from ..content_engine.errors import InvalidInput, SchemaApplyStopped
from ..content_engine.schema_file import check_schema_file
from .common import ContentGroup, confirm, emit, json_option, report_error, state
from .migrations import render_review
from .shown import json_text, shown

EXIT_DRIFT = 1
_MARKS = {"create": "[green]+[/green]", "remove": "[red]-[/red]", "rename": "[yellow]~[/yellow]",
          "update": "[yellow]~[/yellow]", "keep": "[dim]=[/dim]", "defer": "[cyan]>[/cyan]"}


def read_file(path: str) -> str:
    """The file's text (``-``: standard input)."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", field="file") from None


def operation_line(op: dict) -> str:
    verb, _, what = op["action"].partition("_")
    name = f"{op['section']}.{op['field']}" if op.get("field") else op["section"]
    line = f"{_MARKS.get(verb, ' ')} {shown(verb)} {shown(what)} {shown(name)}"
    for key, change in (op.get("changes") or {}).items():
        line += f"\n      {shown(key)}: {shown(repr(change['from']))} -> {shown(repr(change['to']))}"
    if op.get("note"):
        line += f" [dim]({shown(op['note'])})[/dim]"
    return line


def render_schema_review(console: Console, review: dict, show_sql: bool = True) -> None:
    """The combined review: configuration operations, each migration, findings, locks, counts."""
    console.print(f"[bold]Schema plan:[/bold] {shown(review['summary'])}")
    if review["operations"]:
        console.print("[bold]Configuration:[/bold]")
        for op in review["operations"]:
            console.print("  " + operation_line(op))
    for mig in [m for m in review["migrations"] if m["changes"]]:
        console.print()
        console.print(f"[bold]Section {shown(mig['section'])}[/bold]")
        shown_id = mig["id"] or "not recorded: a plan keeps nothing"
        render_review(console, dict(mig, id=shown_id, section_handle=mig["section"]), show_sql=show_sql)
    if review["second_step"]:
        console.print("[bold]Second step[/bold] (planned once the first is applied):")
        for op in review["second_step"]:
            console.print("  " + operation_line(op))
    findings = review["findings"]
    for title, lines, style in (("Data loss", findings["data_loss"], "red"), ("Renames", findings["renames"], "yellow")):
        if lines:
            console.print(f"[bold {style}]{title}:[/bold {style}]")
            for line in lines:
                console.print(f"  {shown(line)}")
    if review["locks"]:
        console.print("[bold]Locks:[/bold]")
        for lock in review["locks"]:
            console.print(f"  {shown(lock['section'])}: {shown(lock['lock'])} - {shown(lock['operation'])}")


@click.group("schema", cls=ContentGroup)
def schema_group():
    """The content model as code: export it to a YAML file, check, plan and apply the file
    against any database (matched by id, so a rename stays a rename), and find drift."""


@schema_group.command("export")
@click.option("--sections", metavar="A,B", help="Only these sections (a partial file: prune never removes others).")
@click.option("-o", "--output", metavar="FILE", help="Write the file here (default: standard output).")
@json_option
def export_cmd(sections, output):
    """Write the content model (sections and fields, no data) as YAML."""
    st = state()
    text = st.engine().export_schema(sections)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    checked = check_schema_file(text)
    if st.json:
        emit({"file": output, "sections": checked["sections"], **({} if output else {"schema": text})})
    elif output:
        st.err.print(f"Wrote {checked['sections']} section(s) to {shown(output)}")
    elif sys.stdout.isatty():  # for a reader: control and bidi characters in labels shown escaped
        click.echo(shown(text, markup=False, lines=True), nl=False)
    else:  # for a file (`> content.yaml`): exactly the text
        click.echo(text, nl=False)


@schema_group.command("check")
@click.argument("file")
@json_option
def check_cmd(file):
    """Validate FILE against the schema-file format (needs no database)."""
    st = state()
    result = check_schema_file(read_file(file))
    if not result["valid"]:
        listed = "; ".join(f"{p['path']}: {p['message']}" for p in result["problems"][:10])
        raise InvalidInput(f"{file} is not a valid schema file: {listed}", field="file", errors=result["problems"])
    emit(result, lambda: st.console.print(f"[green]{shown(file)} is a valid schema file[/green] "
                                          f"({result['sections']} section(s))"))


@schema_group.command("plan")
@click.argument("file")
@click.option("--prune", is_flag=True, help="Also remove sections and fields the file does not have.")
@click.option("--no-sql", is_flag=True, help="Leave the SQL out of the review.")
@json_option
def plan_cmd(file, prune, no_sql):
    """Review what applying FILE would do here. Nothing is applied or kept."""
    st = state()
    review = st.engine().plan_schema(read_file(file), prune=prune)

    def render():
        render_schema_review(st.console, review, show_sql=not no_sql)
        if review["changes"]:
            st.console.print(f"Apply it with: polysynergy-content schema apply {shown(file)}"
                             f"{' --prune' if prune else ''}")

    emit({"review": review}, render)


@schema_group.command("apply")
@click.argument("file")
@click.option("--prune", is_flag=True, help="Also remove sections and fields the file does not have.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask; confirm (also destructive steps).")
@json_option
def apply_cmd(file, prune, yes):
    """Apply FILE here: the reviewed migrations in order, after confirmation."""
    st = state()
    engine = st.engine()
    text = read_file(file)
    review = engine.plan_schema(text, prune=prune)
    if not review["changes"]:
        emit({"result": {"applied": True, "changes": False, "done": []}},
             lambda: st.console.print(f"[green]{shown(review['summary'])}[/green]"))
        return
    if not st.json:
        render_schema_review(st.console, review)
    question = "Apply these changes?"
    if review["is_destructive"]:
        question = "These changes are DESTRUCTIVE. Apply them anyway?"
    confirm(question, yes)
    try:
        # What runs is what was shown: a plan that comes out different now is refused.
        result = engine.apply_schema(text, confirm=True, prune=prune, expected_digest=review["digest"])
    except SchemaApplyStopped as exc:
        if st.json:  # the error and what is done
            error = {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}
            click.echo(json_text(json_safe({"ok": False, "error": error, "report": exc.report}), indent=2))
        else:
            report_error(exc, exc.exit_code)
        click.get_current_context().exit(exc.exit_code)

    def render():
        for done in result["done"]:
            st.console.print(f"[green]Applied[/green] {shown(done['section'])}: migration {done['version']} "
                             f"({done['id']})")
        st.console.print(f"[green]{shown(result['summary'])}[/green]")

    emit({"result": result}, render)


@schema_group.command("diff")
@click.argument("file")
@json_option
def diff_cmd(file):
    """Drift between FILE and the database: the configuration, then the live tables.
    Exit 0: none; exit 1: drift (for CI)."""
    st = state()
    drift = st.engine().schema_drift(read_file(file))

    def render():
        if not drift["drift"]:
            st.console.print("[green]No drift: the database matches the file.[/green]")
            return
        if drift["configuration"]:
            st.console.print("[bold]Configuration drift[/bold] (database against the file):")
            for op in drift["configuration"]:
                st.console.print("  " + operation_line(op))
        if drift["live"]:
            st.console.print("[bold]Live-table drift:[/bold]")
            for item in drift["live"]:
                st.console.print(f"  {shown(item['section'])} [{shown(item['kind'])}] {shown(item['message'])}")

    emit(drift, render)
    if drift["drift"]:
        click.get_current_context().exit(EXIT_DRIFT)
