"""``entries history|restore``, ``runs show|undo``, ``history prune|forget``: entry history and undo."""

from __future__ import annotations

import json

import click

from .common import ContentGroup, emit, json_option, state, table
from .shown import shown


def _context(context: dict | None) -> str:
    context = context or {}
    return ", ".join(f"{k}={v}" for k, v in context.items())


def _changes(changes: dict) -> str:
    parts = []
    for handle, change in changes.items():
        old = json.dumps(change["old"], default=str) if "old" in change else "?"
        parts.append(f"{handle}: {old} -> {json.dumps(change['new'], default=str)}")
    return "; ".join(parts)


@click.command("history")
@click.argument("section")
@click.argument("entry_id")
@click.option("--limit", "-l", type=int, default=50, show_default=True, help="At most this many versions.")
@json_option
def entry_history_cmd(section, entry_id, limit):
    """The recorded versions of one entry, newest first: when, what, who, and what changed."""
    st = state()
    result = st.engine().entry_history(section, entry_id, limit=limit)
    rows = [[v["version"], v["op"], v["changed_at"], _context(v["context"]), v["run_id"], _changes(v["changes"])]
            for v in result["versions"]]
    emit(result, lambda: st.console.print(table(f"History of {section}/{entry_id}",
                                                ["version", "op", "at", "context", "run", "changes"], rows)))


@click.command("restore")
@click.argument("section")
@click.argument("entry_id")
@click.argument("version", type=int)
@json_option
def entry_restore_cmd(section, entry_id, version):
    """Put one entry back as it was at VERSION (see `entries history`); a deleted entry comes back."""
    st = state()
    entry = st.engine().restore_entry(section, entry_id, version)
    emit({"entry": entry, "run_id": entry.run_id}, lambda: st.console.print(
        f"[green]Restored[/green] {shown(section)}/{entry['id']} to version {version} (change set {entry.run_id})"))


@click.group("runs", cls=ContentGroup)
def runs_group():
    """What one run, import or bulk change did (by its run id), and undoing it."""


@runs_group.command("show")
@click.argument("run_id")
@click.option("--limit", "-l", type=int, default=1000, show_default=True)
@json_option
def runs_show_cmd(run_id, limit):
    """Every change recorded under RUN_ID, oldest first."""
    st = state()
    result = st.engine().run_changes(run_id, limit=limit)
    rows = [[c["version"], c["section"], c["entry_id"], c["op"], c["changed_at"]] for c in result["changes"]]
    emit(result, lambda: st.console.print(table(
        f"Run {run_id}: " + ", ".join(f"{n} {op}" for op, n in result["counts"].items()),
        ["version", "section", "entry", "op", "at"], rows)))


@runs_group.command("undo")
@click.argument("run_id")
@click.option("--yes", "confirm", is_flag=True, help="Revert (without it: only the preview).")
@click.option("--force", is_flag=True, help="Also revert entries changed since by someone else.")
@json_option
def runs_undo_cmd(run_id, confirm, force):
    """Revert everything RUN_ID changed, all-or-nothing; shows the preview unless --yes."""
    st = state()
    result = st.engine().undo_run(run_id, confirm=confirm, force=force)

    def render():
        rows = [[c["section"], c["entry_id"], c["action"], c["conflict"] or ""] for c in result["changes"]]
        st.console.print(table(f"Undo of run {run_id}", ["section", "entry", "action", "conflict"], rows))
        if result["confirmed"]:
            st.console.print(f"[green]Reverted[/green] {result['reverted']} entries (change set "
                             f"{result['undo_run_id']})")
        else:
            st.console.print(f"Preview only: {result['conflicts']} conflict(s). Run again with --yes to revert.")

    emit(result, render)


@click.group("history", cls=ContentGroup)
def history_group():
    """Retention and erasure of recorded entry history."""


@history_group.command("prune")
@click.option("--section", "-s", help="Only this section (default: every section with history).")
@click.option("--batch-size", type=int, default=500, show_default=True, help="Entries per short transaction.")
@json_option
def history_prune_cmd(section, batch_size):
    """Remove versions beyond each section's retention (history_keep_versions / history_keep_days)."""
    st = state()
    result = st.engine().prune_history(section, batch_size=batch_size)
    rows = [[r["section"] or r["section_id"], r["keep_versions"], r["keep_days"], r["removed"]]
            for r in result["sections"]]
    emit(result, lambda: st.console.print(table(f"Pruned {result['removed']} versions",
                                                ["section", "keep versions", "keep days", "removed"], rows)))


@history_group.command("forget")
@click.argument("section")
@click.argument("entry_id")
@click.option("--yes", "confirm", is_flag=True, help="Erase (without it: only count).")
@json_option
def history_forget_cmd(section, entry_id, confirm):
    """Erase every recorded version of one entry (a privacy request)."""
    st = state()
    result = st.engine().forget_entry(section, entry_id, confirm=confirm)
    emit(result, lambda: st.console.print(
        f"Erased {result['forgotten']} versions" if confirm else
        f"{result['versions']} versions recorded; run again with --yes to erase them"))


def register(cli, entries_group) -> None:
    entries_group.add_command(entry_history_cmd)
    entries_group.add_command(entry_restore_cmd)
    cli.add_command(runs_group)
    cli.add_command(history_group)
