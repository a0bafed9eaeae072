"""``sections adopt SCHEMA.TABLE --dry-run``: how a table made elsewhere would become a section."""

from __future__ import annotations

import json

import click

from .common import emit, json_option, state, table
from .shown import shown


def _mapping_text(column: dict) -> str:
    if column["status"] in ("key", "system"):
        return column["as"]
    if column["status"] == "refused":
        return f"refused: {column['reason']}"
    flags = [n for n in ("required", "unique") if column.get(n)]
    text = f"{column['field_type']} {json.dumps(column['settings'])}" + (f" ({', '.join(flags)})" if flags else "")
    if "default_value" in column:
        text += f", default {json.dumps(column['default_value'])}"
    return text


@click.command("adopt")
@click.argument("table_name", metavar="SCHEMA.TABLE")
@click.option("--dry-run", is_flag=True, help="Only report how every column, key and constraint maps; change nothing.")
@click.option("--refresh", is_flag=True, help="The table is adopted already: take the columns another tool added "
                                             "since into its section, and plan the section's migration.")
@json_option
def adopt_cmd(table_name, dry_run, refresh):
    """Adopt a table made elsewhere (Supabase's dashboard, SQL migrations) as a section, in place.

    Without --dry-run the section is configured and its adoption migration planned (reviewed
    and sealed); apply it with `migrations apply`. Rolling that migration back gives the table
    back exactly as it was and forgets the section."""
    st = state()
    result = st.engine().adopt_table(table_name, dry_run=dry_run, refresh=refresh)
    if refresh:
        emit(result, lambda: _render_refresh(st, result, dry_run))
        return
    report = result if dry_run else result["adoption"]

    def render():
        c = st.console
        verdict = "can be adopted" if report["adoptable"] else "cannot be adopted"
        c.print(f"[bold]{shown(report['table'])}[/bold] {verdict} as section {shown(report['section_handle'])}"
                + (" (dry run: nothing changed)" if dry_run else ""))
        for reason in report["refused"]:
            c.print(f"  [red]refused:[/red] {shown(reason)}")
        key = report["key"]
        if key:
            c.print(f"key: {shown(key['column'])} {shown(key['type'])}"
                    + (f", {shown(key['generated'])}" if key.get("generated") else ""))
        c.print(table("Columns", ["column", "type", "status", "maps to", "loss"],
                      [[col["column"], col["type"], col["status"], _mapping_text(col), col.get("loss", "")]
                       for col in report["columns"]]))
        for name, what in report["system_columns"].items():
            c.print(f"{shown(name)}: {shown(what)}")
        for check in report["checks"]:
            how = check.get("as") or check.get("kept_by_table")
            c.print(f"check {shown(check['name'])}: {shown(check['definition'])} -> {shown(how)}")
        for relation in report["relations"]:
            target = relation.get("section") or relation.get("needs_adopting") or relation.get("kept_by_table")
            c.print(f"foreign key {shown(relation['constraint'])} to {shown(relation['table'])}: {shown(target)}")
        for unique in report["uniques"]:
            c.print(f"unique {shown(unique['name'])} ({shown(', '.join(unique['columns']))}): {shown(unique['as'])}")
        for index in report["indexes"]:
            c.print(f"index {shown(index['definition'])}")
        if not dry_run:
            handle = shown(report["section_handle"])
            c.print(f"Section {handle} is configured; its adoption migration {result['migration']['version']} is "
                    f"reviewed and sealed, not applied. Review it: polysynergy-content migrations show {handle}; "
                    f"apply it: polysynergy-content migrations apply {handle}")

    emit({"adoption": report} if dry_run else result, render)


def _render_refresh(st, result: dict, dry_run: bool) -> None:
    c = st.console
    table_name = shown(result["adoption"]["table"])
    if dry_run:
        columns = ", ".join(result["unaccounted"]) or "none"
        c.print(f"{table_name}: columns added outside the content system: {shown(columns)} (dry run: nothing changed)")
        return
    c.print(f"{table_name}: taken into the section: {shown(', '.join(result['added']) or 'nothing')}")
    for column in result["not_taken"]:
        c.print(f"  not taken: {shown(column['column'])}: {shown(column['reason'])}")
    if result["migration"] and result["migration"].get("id"):
        handle = shown(result["section_handle"])
        c.print(f"Review migration {result['migration']['version']}: polysynergy-content migrations show {handle}; "
                f"apply it: polysynergy-content migrations apply {handle}")
