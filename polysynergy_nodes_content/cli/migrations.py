"""``migrations list|show|plan|apply|rollback|resume|abort``: review SQL before it runs."""

from __future__ import annotations

import uuid

import click
from rich.console import Console

from ..content_engine.errors import NotFound, Refused
from .common import ContentGroup, confirm, emit, json_option, print_sql, short_id, state, table
from .shown import shown

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_review(console: Console, mig: dict, down: bool = False, show_sql: bool = True) -> None:
    """A migration for review: SQL, destructive steps, lint findings and pre-check counts."""
    section = mig.get("section_handle") or ""
    console.print(
        f"[bold]Migration {mig['version']}[/bold]{' of ' + shown(section) if section else ''} "
        f"[dim]({mig['id']})[/dim] - status [bold]{mig['status']}[/bold], type {mig['migration_type']}")
    console.print(shown(mig.get("description") or ""))
    progress = mig.get("progress") or {}
    if mig.get("status") in ("applying", "rolling_back") or progress.get("phase") == "post":
        console.print(f"[bold yellow]Interrupted[/bold yellow]: {shown(_progress_text(mig))}; finish it with "
                      "`migrations resume` or undo it with `migrations abort`")
    if show_sql:
        text = mig.get("down_sql") if down else mig.get("sql") or mig.get("migration_sql")
        print_sql(console, text or "-- (no SQL)", "Rollback SQL:" if down else "SQL to review:")
    if down:
        if not mig.get("is_reversible", True):
            console.print("[bold red]This migration is irreversible.[/bold red]")
        return
    destructive = [op for op in mig.get("operations") or [] if op.get("destructive")]
    if mig.get("is_destructive"):
        console.print("[bold red]DESTRUCTIVE[/bold red] - applying needs your confirmation:")
        for op in destructive:
            console.print(f"  [red]- {shown(op['description'])}[/red]")
    lint = mig.get("lint") or mig.get("lint_report") or []
    findings = [f for f in lint if f.get("severity") != "info"]
    if findings:
        console.print("[bold]Lint findings:[/bold]")
        for f in findings:
            style = _SEVERITY_STYLE.get(f.get("severity"), "")
            console.print(f"  [{style}]{f['severity'].upper()}[/{style}] {shown('[' + f['rule'] + ']')} "
                          f"step {f.get('operation')}: {shown(f['message'])}")
    infos = [f for f in lint if f.get("severity") == "info"]
    for f in infos:
        console.print(f"  [cyan]INFO[/cyan] {shown('[' + f['rule'] + ']')} {shown(f['message'])}")
    prechecks = mig.get("prechecks") or []
    if prechecks:
        console.print("[bold]Pre-checks (rows counted now):[/bold]")
        for p in prechecks:
            count = p.get("count")
            style = "bold red" if p.get("blocking") and count else ("yellow" if count else "green")
            blocking = " (blocks the apply)" if p.get("blocking") and count else ""
            console.print(f"  step {p.get('operation')}: {shown(p['description'])}: [{style}]{count} row(s)"
                          f"[/{style}]{blocking}")
    if not destructive and not findings and not any(p.get("count") for p in prechecks):
        console.print("[green]No destructive steps, warnings or failing pre-checks.[/green]")


def resolve_migration(engine, target: str, want: str) -> dict:
    """A migration by id, or by section handle: its pending ('generated') migration for
    ``want == "apply"``, its latest applied migration for ``want == "rollback"``, its
    interrupted one for ``want`` "resume" or "abort" (none is refused, as it is by id)."""
    try:
        uuid.UUID(target)
        return engine.get_migration(target)
    except ValueError:
        pass
    migrations = engine.list_migrations(target)
    if want == "apply":
        pending = [m for m in migrations if m["status"] in ("generated", "failed")]
        if not pending:
            raise NotFound(f"section '{target}' has no pending migration: run `polysynergy-content migrations plan "
                           f"{target}` first", field="migration")
        return max(pending, key=lambda m: m["version"])
    if want in ("resume", "abort"):
        unfinished = [m for m in migrations if m["status"] in ("applying", "rolling_back")
                      or (m["status"] in ("applied", "rolled_back") and (m.get("progress") or {}).get("phase") == "post")]
        if not unfinished:
            raise Refused(f"section '{target}' has no interrupted migration: there is nothing to {want}")
        return max(unfinished, key=lambda m: m["version"])
    applied = [m for m in migrations if m["status"] == "applied"]
    if not applied:
        raise NotFound(f"section '{target}' has no applied migration to roll back", field="migration")
    return max(applied, key=lambda m: (m.get("applied_at") or "", m["version"]))


@click.group("migrations", cls=ContentGroup)
def migrations_group():
    """Plan, review, apply and roll back the SQL that keeps tables in line with sections."""


@migrations_group.command("list")
@click.option("--section", "-s", help="Only this section's migrations.")
@json_option
def list_cmd(section):
    """Migrations of all sections (or of one)."""
    st = state()
    migrations = st.engine().list_migrations(section)
    slim = [{k: m.get(k) for k in ("id", "section_handle", "version", "status", "migration_type", "description",
                                   "is_destructive", "is_reversible", "generated_at", "applied_at", "rolled_back_at",
                                   "error_message")} for m in migrations]

    def render():
        if not slim:
            st.console.print("No migrations yet.")
            return
        rows = [[m["id"], m["section_handle"], m["version"], m["status"], m["migration_type"],
                 "DESTRUCTIVE" if m["is_destructive"] else "", (m["applied_at"] or m["generated_at"] or "")[:19]]
                for m in slim]
        st.console.print(table("Migrations", ["id", "section", "version", "status", "type", "", "when"], rows))

    emit({"migrations": slim}, render)


@migrations_group.command("show")
@click.argument("migration")
@click.option("--down", is_flag=True, help="Show the rollback SQL instead.")
@json_option
def show_cmd(migration, down):
    """Show MIGRATION (an id) with its SQL and review."""
    st = state()
    mig = st.engine().get_migration(migration)
    emit({"migration": mig}, lambda: render_review(st.console, mig, down=down))


@migrations_group.command("plan")
@click.argument("section")
@click.option("--on-convert-failure", type=click.Choice(["refuse", "null", "default"]), default="refuse",
              show_default=True, help="What a type change does with values that do not convert.")
@json_option
def plan_cmd(section, on_convert_failure):
    """Plan the migration of SECTION: compare its fields with the live table and show
    the SQL to review (it supersedes an earlier unapplied plan)."""
    st = state()
    mig = st.engine().plan_migration(section, on_convert_failure)
    mig.setdefault("section_handle", section)

    def render():
        if not mig.get("changes", True):
            st.console.print(f"[green]{shown(mig['message'])}[/green]")
            return
        render_review(st.console, mig)
        st.console.print(f"Apply it with: polysynergy-content migrations apply {mig['id']}")

    emit({"migration": mig}, render)


@migrations_group.command("apply")
@click.argument("target", metavar="MIGRATION_OR_SECTION")
@click.option("--yes", "-y", is_flag=True, help="Do not ask; confirm (also destructive steps).")
@json_option
def apply_cmd(target, yes):
    """Apply a reviewed migration (by id, or the pending one of a section), after confirmation."""
    st = state()
    engine = st.engine()
    mig = resolve_migration(engine, target, "apply")
    confirmed = False
    if mig["status"] in ("generated", "failed"):
        if not st.json:
            render_review(st.console, mig)
        question = f"Apply migration {mig['version']} ({mig['description']})?"
        if mig["is_destructive"]:
            question = f"Migration {mig['version']} is DESTRUCTIVE. Apply it anyway?"
        confirm(question, yes)
        confirmed = True
    # Destructive migrations get confirm=True only after the user (or --yes) confirmed.
    from .entries import _progress

    with _progress("apply", bytes_mode=False) as bar:
        task = bar.add_task("apply", total=None, rows=0)

        def progress(event):
            if "rows" in event:
                bar.update(task, description="backfill", completed=event["rows"], rows=event["rows"])
            else:
                bar.update(task, description=f"step {event['step']}/{event['steps']} ({event['phase']})")

        result = engine.apply_migration(mig["id"], confirm=confirmed and bool(mig["is_destructive"]),
                                        progress=progress)

    def render():
        st.console.print(f"[green]Applied[/green] migration {result['version']} ({short_id(result['id'])}): "
                         f"{shown(result['description'])}")
        st.console.print(f"Roll back with: polysynergy-content migrations rollback {result['id']}")

    emit({"migration": result}, render)


@migrations_group.command("rollback")
@click.argument("target", metavar="MIGRATION_OR_SECTION")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@json_option
def rollback_cmd(target, yes):
    """Roll back an applied migration (by id, or the latest applied one of a section)."""
    st = state()
    engine = st.engine()
    mig = resolve_migration(engine, target, "rollback")
    if mig["status"] == "applied":
        if not st.json:
            render_review(st.console, mig, down=True)
        confirm(f"Roll back migration {mig['version']} ({mig['description']})?", yes)
    result = engine.rollback_migration(mig["id"])

    def render():
        st.console.print(f"[green]Rolled back[/green] migration {result['version']} ({short_id(result['id'])})")

    emit({"migration": result}, render)


@migrations_group.command("rules")
@click.argument("rule", required=False)
@json_option
def rules_cmd(rule):
    """The lint rules a migration review applies (or one RULE in full): what each catches,
    why it matters and the fix. Needs no database."""
    from ..content_engine.migrations import RULES, rule_named

    st = state()
    if rule is not None:
        try:
            chosen = [rule_named(rule)]
        except KeyError:
            raise NotFound(f"no lint rule named '{rule[:80]}' (see: polysynergy-content migrations rules)",
                           field="rule") from None
    else:
        chosen = list(RULES)
    described = [r.describe() for r in chosen]

    def render():
        if rule is not None:
            r = described[0]
            st.console.print(f"[bold]{shown(r['name'])}[/bold]")
            for key in ("catches", "why", "fix"):
                st.console.print(f"  [bold]{key}:[/bold] {shown(r[key])}")
            return
        st.console.print(table("Migration lint rules", ["rule", "catches", "fix"],
                               [[r["name"], r["catches"], r["fix"]] for r in described]))

    emit({"rules": described}, render)


def _progress_text(mig: dict) -> str:
    progress = mig.get("progress") or {}
    done = len(progress.get("done") or [])
    backfill = progress.get("backfill") or {}
    rows = f", {backfill['rows']} row(s) backfilled" if backfill.get("rows") is not None else ""
    return f"status {mig['status']}, phase {progress.get('phase') or '-'}, {done} step(s) done{rows}"


@migrations_group.command("resume")
@click.argument("target", metavar="MIGRATION_OR_SECTION")
@json_option
def resume_cmd(target):
    """Finish an interrupted apply (or rollback) of a migration from its recorded progress."""
    st = state()
    engine = st.engine()
    mig = resolve_migration(engine, target, "resume")
    if not st.json:
        st.console.print(f"Resuming migration {mig['version']} ({_progress_text(mig)})")
    result = engine.resume_migration(mig["id"])
    emit({"migration": result}, lambda: st.console.print(
        f"[green]Finished[/green] migration {result['version']} ({short_id(result['id'])}): status {result['status']}"))


@migrations_group.command("abort")
@click.argument("target", metavar="MIGRATION_OR_SECTION")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@json_option
def abort_cmd(target, yes):
    """Undo an interrupted apply of a migration: the table is left as before it started."""
    st = state()
    engine = st.engine()
    mig = resolve_migration(engine, target, "abort")
    confirm(f"Undo the interrupted migration {mig['version']} ({_progress_text(mig)})?", yes)
    result = engine.abort_migration(mig["id"])
    emit({"migration": result}, lambda: st.console.print(
        f"[green]Aborted[/green] migration {result['version']} ({short_id(result['id'])}): status {result['status']}"))
