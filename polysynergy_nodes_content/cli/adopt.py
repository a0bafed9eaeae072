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
@json_option
def adopt_cmd(table_name, dry_run):
    """Adopt a table made elsewhere (Supabase's dashboard, SQL migrations) as a section, in place."""
    st = state()
    report = st.engine().adopt_table(table_name, dry_run=dry_run)

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

    emit({"adoption": report}, render)
