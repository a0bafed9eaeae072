"""``entries query|get|create|update|delete|import|export``."""

from __future__ import annotations

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ..content_engine import transfer
from ..content_engine.descriptors import get_with_titles, query_with_titles
from ..content_engine.errors import InvalidInput
from ..content_engine.history import new_change_id
from .common import ContentGroup, emit, json_option, parse_json_arg, state, table
from .shown import shown


@click.group("entries", cls=ContentGroup)
def entries_group():
    """Entries of a section: validated writes, JSON filters, streamed CSV / JSON Lines transfer."""


def entries_table(entries: list[dict], title: str | None = None, max_columns: int | None = None):
    columns: list[str] = []
    for e in entries:
        for k in e:
            if k not in columns and k not in ("created_at", "updated_at"):
                columns.append(k)
    if max_columns:
        columns = columns[:max_columns]
    rows = [[_related(e.get(c)) for c in columns] for e in entries]
    return table(title, columns, rows)


def _related(value):
    """A followed relation as its title (an object of id and title), else as it is."""
    if isinstance(value, dict) and "id" in value and len(value) <= 2:
        shown = [v for k, v in value.items() if k != "id"]
        return shown[0] if shown and shown[0] not in (None, "") else value["id"]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return ", ".join(str(_related(v)) for v in value)
    return value


def _fields_arg(fields: str | None):
    if fields is None:
        return None
    return [part.strip() for part in fields.split(",") if part.strip()]


@entries_group.command("query")
@click.argument("section")
@click.option("--filter", "-f", "filters", metavar="JSON",
              help='Filters as JSON, e.g. \'{"uses_kubernetes": true}\', \'{"score": {"_gt": 5}}\' or '
                   '\'{"author": {"name": "Ada"}}\'.')
@click.option("--order-by", "-o", metavar="ORDER", help='E.g. "created_at DESC, company_name".')
@click.option("--limit", "-l", type=int, help="At most this many entries (engine default when omitted).")
@click.option("--offset", type=int, default=0, show_default=True)
@click.option("--fields", metavar="PATHS", help='Comma-separated field paths, e.g. "title,author.name,tags.*". '
              "Default: every field; related entries shown by their title field.")
@click.option("--count", "count", type=click.Choice(["exact", "estimated", "none"]), default="exact",
              show_default=True, help="The total: counted, the planner's estimate, or skipped.")
@click.option("--search", "-s", metavar="TEXT", help="Full-text search, ranked: over the section's search fields "
              "(their index), or a scan of all its text fields when it has none.")
@json_option
def query_cmd(section, filters, order_by, limit, offset, fields, count, search):
    """Query SECTION's entries.

    Tables show related entries by their title; with --json relations stay ids and
    `related_titles` ({"author": {"<id>": "Ada"}}) names them (empty with --fields)."""
    st = state()
    engine = st.engine()
    paths = _fields_arg(fields)
    query = dict(filters=parse_json_arg(filters, "filter", allow_stdin=False), order_by=order_by, limit=limit,
                 offset=offset, count=count, search=search)
    if st.json:  # relations stay ids, their titles beside them (as the MCP tools and nodes return)
        result = query_with_titles(engine, section, fields=paths, **query)
    else:
        result = engine.query_entries(section, fields=paths or engine.entries.title_paths(section), **query)

    def render():
        n = len(result["entries"])
        if result["count"] == "none":
            total = "?"
        elif result["total_is_exact"]:
            total = f"{result['total_count']}"
        else:
            total = f"about {result['total_count']}"
        title = f"{section}: {n} of {total} entries (offset {result['offset']})"
        if result.get("search"):
            title += f"; searched {', '.join(result['search']['fields'])} ({result['search']['mode']})"
        st.console.print(entries_table(result["entries"], title))

    emit(result, render)


@entries_group.command("get")
@click.argument("section")
@click.argument("entry_id")
@click.option("--fields", metavar="PATHS", help='Comma-separated field paths, e.g. "*,author.*".')
@json_option
def get_cmd(section, entry_id, fields):
    """One entry by id (with --json: `related_titles` beside it, as for query)."""
    st = state()
    engine = st.engine()
    paths = _fields_arg(fields)
    if st.json:
        entry, titles = get_with_titles(engine, section, entry_id, fields=paths)
        emit({"entry": entry, "related_titles": titles})
        return
    entry = engine.get_entry(section, entry_id, fields=paths or engine.entries.title_paths(section))
    emit({"entry": entry}, lambda: st.console.print(
        table(None, ["field", "value"], [[k, _related(v)] for k, v in entry.items()])))


@entries_group.command("create")
@click.argument("section")
@click.argument("data", metavar="JSON")
@json_option
def create_cmd(section, data):
    """Create an entry from a JSON object (or several from a JSON list, all-or-nothing).
    JSON may be `-` (stdin) or `@file.json`."""
    st = state()
    value = parse_json_arg(data, "data")
    engine = st.engine()
    if isinstance(value, list):
        created = engine.create_entries(section, value)
        emit({"entries": created, "run_id": created.run_id},
             lambda: st.console.print(entries_table(created, f"Created {len(created)} entries in {section}")))
        return
    if not isinstance(value, dict):
        raise InvalidInput("data must be a JSON object (or a list of objects)", field="data")
    entry = engine.create_entry(section, value)
    emit({"entry": entry, "run_id": entry.run_id}, lambda: st.console.print(entries_table([entry], f"Created entry {entry['id']}")))


@entries_group.command("update")
@click.argument("section")
@click.argument("entry_id")
@click.argument("data", metavar="JSON")
@json_option
def update_cmd(section, entry_id, data):
    """Change the fields given in JSON (an object; `-` reads stdin) of one entry."""
    st = state()
    value = parse_json_arg(data, "data")
    if not isinstance(value, dict):
        raise InvalidInput("data must be a JSON object of field handles and values", field="data")
    entry = st.engine().update_entry(section, entry_id, value)
    emit({"entry": entry, "run_id": entry.run_id}, lambda: st.console.print(entries_table([entry], f"Updated entry {entry['id']}")))


@entries_group.command("delete")
@click.argument("section")
@click.argument("entry_ids", metavar="ENTRY_ID...", nargs=-1, required=True)
@json_option
def delete_cmd(section, entry_ids):
    """Delete entries by id."""
    st = state()
    run_id = new_change_id()
    engine = st.engine().with_context(run_id=run_id)  # the deletes of one command are one change set
    for entry_id in entry_ids:
        engine.delete_entry(section, entry_id)
    emit({"deleted": list(entry_ids), "run_id": run_id},
         lambda: st.console.print(f"[green]Deleted[/green] {len(entry_ids)} entr{'y' if len(entry_ids) == 1 else 'ies'}"))


@entries_group.command("aggregate")
@click.argument("section")
@click.argument("aggregates", metavar="JSON")
@click.option("--group-by", "-g", metavar="FIELDS", help='Comma-separated fields, e.g. "status".')
@click.option("--filter", "-f", "filters", metavar="JSON", help="Only entries matching these filters.")
@json_option
def aggregate_cmd(section, aggregates, group_by, filters):
    """Count, sum, avg, min, max over SECTION's entries, e.g. '{"count": "*", "sum": ["price"]}'."""
    st = state()
    result = st.engine().aggregate_entries(section, parse_json_arg(aggregates, "aggregates", allow_stdin=False),
                                           group_by=_fields_arg(group_by),
                                           filters=parse_json_arg(filters, "filter", allow_stdin=False))

    def render():
        columns = list(result["group_by"])
        rows = []
        for group in result["groups"]:
            row = dict(group.get("group") or {})
            for fn, value in group.items():
                if fn == "group":
                    continue
                for name, v in (value.items() if isinstance(value, dict) else [("*", value)]):
                    row[f"{fn}({name})"] = v
            rows.append(row)
        for row in rows:
            columns += [k for k in row if k not in columns]
        st.console.print(table(f"{section}: aggregates", columns, [[r.get(c) for c in columns] for r in rows]))

    emit(result, render)


@entries_group.command("update-where")
@click.argument("section")
@click.argument("data", metavar="JSON")
@click.option("--filter", "-f", "filters", metavar="JSON", required=True,
              help='The entries to change, e.g. \'{"status": "draft"}\' (every entry: \'{"id": {"_nnull": true}}\').')
@click.option("--yes", "confirm", is_flag=True, help="Change them; without it only count them.")
@json_option
def update_where_cmd(section, data, filters, confirm):
    """Set the fields in JSON on every entry of SECTION matching --filter (all-or-nothing)."""
    st = state()
    value = parse_json_arg(data, "data")
    if not isinstance(value, dict):
        raise InvalidInput("data must be a JSON object of field handles and values", field="data")
    with _progress(f"update {section}", bytes_mode=False) as progress:
        task = progress.add_task(shown(f"update {section}"), total=None, rows=0)
        result = st.engine().update_entries(
            section, parse_json_arg(filters, "filter", allow_stdin=False), value, confirm=confirm,
            progress=lambda done, total: progress.update(task, completed=done, total=total, rows=done))
    emit(_with_run_id(result), lambda: _bulk_report(result, "updated", "change"))


@entries_group.command("delete-where")
@click.argument("section")
@click.option("--filter", "-f", "filters", metavar="JSON", required=True, help="The entries to delete.")
@click.option("--yes", "confirm", is_flag=True, help="Delete them; without it only count them.")
@json_option
def delete_where_cmd(section, filters, confirm):
    """Delete every entry of SECTION matching --filter (all-or-nothing)."""
    st = state()
    with _progress(f"delete {section}", bytes_mode=False) as progress:
        task = progress.add_task(shown(f"delete {section}"), total=None, rows=0)
        result = st.engine().delete_entries(
            section, parse_json_arg(filters, "filter", allow_stdin=False), confirm=confirm,
            progress=lambda done, total: progress.update(task, completed=done, total=total, rows=done))
    emit(_with_run_id(result), lambda: _bulk_report(result, "deleted", "delete"))


def _with_run_id(result: dict) -> dict:
    """A confirmed bulk change's report with its change set id (for `runs show|undo`)."""
    return {**result, "run_id": result.run_id} if result["confirmed"] else result


def _bulk_report(result: dict, done_key: str, verb: str) -> None:
    st = state()
    if result["confirmed"]:
        st.console.print(f"[green]{done_key.capitalize()}[/green] {result[done_key]} entries")
    else:
        st.console.print(f"{result['matched']} entries match; nothing changed (add --yes to {verb} them)")


def _progress(description: str, bytes_mode: bool):
    """A progress bar on stderr: done and total, rows, rows per second, time left."""
    st = state()
    console = st.err
    columns = [TextColumn("[bold]{task.description}"), BarColumn()]  # descriptions pass through shown()
    columns += [DownloadColumn()] if bytes_mode else [MofNCompleteColumn()]
    columns += [TextColumn("{task.fields[rows]} rows"), RowRateColumn(), TimeElapsedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=console, disable=st.json or not console.is_terminal, transient=False)


class RowRateColumn(ProgressColumn):
    """Rows per second (the task's ``rows`` field over its elapsed time)."""

    def render(self, task):
        elapsed = task.elapsed or 0
        rows = task.fields.get("rows") or 0
        return Text(f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 and rows else "", style="progress.data.speed")


@entries_group.command("import")
@click.argument("section")
@click.argument("file", metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the file name (CSV).")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=transfer.DEFAULT_BATCH, show_default=True,
              help="Rows per COPY batch (all batches share one transaction).")
@click.option("--on-conflict", metavar="FIELD",
              help="Update the entries whose unique FIELD (or id) matches a row instead of failing.")
@click.option("--keep-ids", is_flag=True,
              help="Keep the id, created_at and updated_at columns of an export (relations stay linked; "
                   "import the sections they point to first).")
@click.option("--dry-run", is_flag=True, help="Check the whole file and report every bad row; write nothing.")
@click.option("--max-errors", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="With --dry-run: report at most this many problems (the totals count all).")
@click.option("--raw-cells", is_flag=True,
              help="CSV: keep every cell as it is (do not restore the apostrophe an export puts before "
                   "=, +, -, @, tab and CR).")
@json_option
def import_cmd(section, file, fmt, batch_size, on_conflict, keep_ids, dry_run, max_errors, raw_cells):
    """Import FILE (CSV with a header row, or JSON Lines; `-` reads stdin) into SECTION.

    All-or-nothing: the first bad line (CSV: the header is line 1) stops the import and
    nothing is stored; --dry-run lists every bad line instead. CSV values are converted
    per field type: empty -> null, true/false for booleans, JSON for json, multi_select
    and multiple relations. Columns id, created_at and updated_at (as in an export) are
    ignored unless --keep-ids. A text cell an export neutralised ('=...) is restored
    unless --raw-cells."""
    st = state()
    engine = st.engine()
    label = f"{'check' if dry_run else 'import'} {section}"
    with _progress(label, bytes_mode=True) as progress:
        task = progress.add_task(shown(label), total=None, rows=0)
        result = engine.import_entries(
            section, file, fmt=fmt, batch_size=batch_size,
            progress=lambda rows, done: progress.update(task, completed=done, rows=rows),
            on_start=lambda total: progress.update(task, total=total),
            on_conflict=on_conflict, keep_ids=keep_ids, dry_run=dry_run, max_errors=max_errors,
            raw_cells=raw_cells)

    def render():
        ignored = f" (ignored columns: {shown(', '.join(result['ignored_columns']))})" if result["ignored_columns"] else ""
        if not dry_run:
            merged = f" ({result['created']} created, {result['updated']} updated)" if on_conflict else ""
            st.console.print(f"[green]Imported[/green] {result['imported']} entries into {shown(section)}{merged}{ignored}")
            return
        if not result["invalid"]:
            st.console.print(f"[green]Dry run:[/green] all {result['checked']} rows are valid; nothing was written"
                             f"{ignored}")
            return
        rows = [[e["line"], e["field"] or "", e["message"]] for e in result["errors"]]
        st.console.print(f"Dry run: {result['invalid']} of {result['checked']} rows are invalid; nothing was written",
                         soft_wrap=True)
        st.console.print(table(None, ["line", "field", "problem"], rows))
        if result["errors_shown"] < result["errors_total"]:
            st.console.print(f"(showing {result['errors_shown']} of {result['errors_total']} problems)")

    emit(result, render)
    if dry_run and result["invalid"]:
        raise click.exceptions.Exit(2)


@entries_group.command("export")
@click.argument("section")
@click.argument("file", metavar="[FILE]", default="-")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the file name (CSV).")
@click.option("--filter", "-f", "filters", metavar="JSON", help="Only entries matching these filters.")
@click.option("--order-by", "-o", metavar="ORDER", help='Default "created_at, id".')
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=transfer.DEFAULT_BATCH, show_default=True)
@click.option("--raw-cells", is_flag=True,
              help="CSV: write text cells as they are, also those a spreadsheet would run as a formula.")
@json_option
def export_cmd(section, file, fmt, filters, order_by, batch_size, raw_cells):
    """Export SECTION's entries to FILE (default `-`: stdout) as CSV or JSON Lines, streamed.

    CSV text cells that begin with =, +, -, @, tab or CR (and so an apostrophe) get an
    apostrophe in front, so a spreadsheet shows them as text; `import` removes it again.
    --raw-cells writes them as they are."""
    st = state()
    engine = st.engine()
    if file == "-" and st.json:
        raise InvalidInput("--json reports on stdout; give a FILE to export to", field="file")
    with _progress(f"export {section}", bytes_mode=False) as progress:
        task = progress.add_task(shown(f"export {section}"), total=None, rows=0)
        result = engine.export_entries(
            section, file, fmt=fmt, filters=parse_json_arg(filters, "filter", allow_stdin=False), order_by=order_by,
            batch_size=batch_size,
            progress=lambda rows, _: progress.update(task, completed=rows, rows=rows),
            on_start=lambda total: progress.update(task, total=total), raw_cells=raw_cells)

    def render():
        if file != "-":
            st.console.print(f"[green]Exported[/green] {result['exported']} entries of {shown(section)} to {shown(file)}")
        else:
            st.err.print(f"Exported {result['exported']} entries of {shown(section)}")

    emit(result, render)
