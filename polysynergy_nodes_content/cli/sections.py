"""``sections list|show|create|update|delete|diagram`` and ``fields add|update|remove``."""

from __future__ import annotations

import click

from ..content_engine.config import UI_WIDTHS
from ..content_engine.descriptors import mermaid_er
from ..content_engine.errors import InvalidInput, NotFound
from .common import ContentGroup, emit, json_option, parse_json_arg, state, table
from .shown import shown


@click.group("sections", cls=ContentGroup)
def sections_group():
    """Sections: content types that become real tables in the `custom` schema."""


def _field_rows(fields: list[dict]) -> list[list]:
    rows = []
    for f in fields:
        flags = [n for n, on in (("required", f.get("is_required")), ("unique", f.get("is_unique"))) if on]
        rows.append([f["handle"], f["label"], f["field_type_handle"], f.get("field_settings") or {}, ", ".join(flags),
                     f.get("default_value")])
    return rows


@sections_group.command("list")
@json_option
def list_cmd():
    """All sections with their status."""
    st = state()
    sections = st.engine().list_sections()

    def render():
        if not sections:
            st.console.print("No sections yet. Create one: polysynergy-content sections create <handle>")
            return
        rows = [[s["handle"], s["label"], len(s["fields"]), s["migration_status"],
                 "yes" if s["is_active"] else "no", f"custom.{s['table_name']}" if s["applied_state"] else "(none yet)"]
                for s in sections]
        st.console.print(table("Sections", ["handle", "label", "fields", "status", "active", "table"], rows))

    emit({"sections": sections}, render)


@sections_group.command("show")
@click.argument("section")
@json_option
def show_cmd(section):
    """One section (by handle or id) and its fields."""
    st = state()
    found = st.engine().get_section(section)

    def render():
        c = st.console
        c.print(f"[bold]{shown(found['label'])}[/bold] ({shown(found['handle'])}), id {found['id']}")
        if found.get("description"):
            c.print(shown(found["description"], lines=True))
        table_name = f"custom.{found['table_name']}" if found["applied_state"] else "no table yet"
        c.print(f"status: {found['migration_status']}, active: {found['is_active']}, table: {shown(table_name)}")
        c.print(table("Fields", ["handle", "label", "type", "settings", "flags", "default"], _field_rows(found["fields"])))

    emit({"section": found}, render)


@sections_group.command("create")
@click.argument("handle")
@click.option("--label", help="Display name (default: from the handle).")
@click.option("--description")
@click.option("--icon")
@click.option("--title-field", help="Handle of the title field; it must exist, so set it later with "
                                    "`sections update SECTION --title-field FIELD`.")
@json_option
def create_cmd(handle, label, description, icon, title_field):
    """Create a section (its table is created by its first migration)."""
    st = state()
    created = st.engine().create_section(handle, label, description, icon, title_field)

    def render():
        st.console.print(f"[green]Created section[/green] {shown(created['handle'])} ({shown(created['label'])}), "
                         f"id {created['id']}")
        st.console.print(f"Next: polysynergy-content fields add {shown(created['handle'])} <field> --type text")

    emit({"section": created}, render)


@sections_group.command("update")
@click.argument("section")
@click.option("--rename", "new_handle", metavar="HANDLE", help="New handle (the table is renamed by the next migration).")
@click.option("--label")
@click.option("--description")
@click.option("--icon")
@click.option("--title-field", help="Handle of the field used as an entry's title ('' for none).")
@click.option("--search-fields", metavar="FIELDS",
              help="Comma-separated text fields full-text search covers ('' for none); the next migration "
                   "builds the index.")
@click.option("--validation-rules", metavar="JSON",
              help='Rules over the whole entry: [{"rule": {filter}, "message": "..."}] (\'[]\' for none).')
@json_option
def section_update_cmd(section, new_handle, label, description, icon, title_field, search_fields, validation_rules):
    """Change SECTION's handle, label, description, icon, title field, search fields or
    validation rules (only the options given)."""
    st = state()
    pairs = {"handle": new_handle, "label": label, "description": description, "icon": icon,
             "title_field_handle": title_field, "search_fields": search_fields,
             "validation_rules": validation_rules}
    changes = {k: v for k, v in pairs.items() if v is not None}
    if "search_fields" in changes:
        changes["search_fields"] = [h.strip() for h in changes["search_fields"].split(",") if h.strip()]
    if not changes:
        raise InvalidInput("nothing to change: give at least one option (see --help)", field="changes")
    updated = st.engine().update_section(section, changes)

    def render():
        st.console.print(f"[green]Updated section[/green] {shown(updated['handle'])}")
        if "handle" in changes or "search_fields" in changes:
            st.console.print(f"Review the change: polysynergy-content migrations plan {shown(updated['handle'])}")

    emit({"section": updated}, render)


@sections_group.command("delete")
@click.argument("section")
@json_option
def delete_cmd(section):
    """Delete a section. Without a table it is removed at once; with one, a destructive
    migration is planned that archives the table (apply it with `migrations apply`)."""
    st = state()
    result = st.engine().delete_section(section)

    def render():
        handle = shown(result["section"]["handle"])
        if result.get("already_deleted"):
            st.console.print(f"Section {handle} is already deleted: its table was archived by "
                             f"migration {result['archived_by']} (roll that migration back to restore it).")
            return
        if result["deleted"]:
            st.console.print(f"[green]Deleted section[/green] {handle} (it had no table).")
            return
        from .migrations import render_review

        mig = result["migration"]
        if mig["id"] is None:
            st.console.print(f"Section {handle} is deactivated; nothing is left to migrate.")
            return
        st.console.print(f"Section {handle} is deactivated; its table is archived by this migration:")
        render_review(st.console, mig)
        st.console.print(f"Apply it with: polysynergy-content migrations apply {mig['id']}")

    emit(result, render)


@sections_group.command("diagram")
@click.argument("sections", nargs=-1)
@click.option("--no-system-columns", is_flag=True, help="Leave out id, created_at and updated_at.")
@json_option
def diagram_cmd(sections, no_system_columns):
    """The content model as a Mermaid ER diagram (erDiagram): all sections, or the ones named."""
    st = state()
    engine = st.engine()
    found = engine.list_sections()
    if sections:
        wanted = set(sections)
        known = {s["handle"] for s in found} | {str(s["id"]) for s in found}
        missing = sorted(wanted - known)
        if missing:
            raise NotFound(f"section '{missing[0]}' does not exist", field="section")
        found = [s for s in found if s["handle"] in wanted or str(s["id"]) in wanted]
    # An adopted table keeps its own key type: its id and the relations to it show that type.
    found = [{**s, "id_type": engine.entry_id_type(s["id"])} if s.get("table_schema") else s for s in found]
    text = mermaid_er(found, include_system_columns=not no_system_columns, registry=engine.registry)
    emit({"mermaid": text}, lambda: click.echo(shown(text, markup=False, lines=True), nl=False))


# -- fields --------------------------------------------------------------------------------
@click.group("fields", cls=ContentGroup)
def fields_group():
    """Fields of a section: add, update (rename, retype, settings) or remove.

    Changes are configuration only; `migrations plan SECTION` shows the SQL that brings
    the table in line."""


def _field_options(fn):
    options = [
        click.option("--label", help="Display name."),
        click.option("--settings", "field_settings", metavar="JSON",
                     help='Field-type settings as JSON, e.g. \'{"maxLength": 200}\'.'),
        click.option("--default", "default_value", metavar="JSON", help="Default value as JSON."),
        click.option("--help-text"),
        click.option("--placeholder"),
        click.option("--width", "ui_width", type=click.Choice(list(UI_WIDTHS))),
        click.option("--tab", "tab_name"),
        click.option("--sort-order", type=int),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _hint(section: str) -> None:
    st = state()
    st.console.print(f"Review the change: polysynergy-content migrations plan {shown(section)}")


@fields_group.command("add")
@click.argument("section")
@click.argument("handle")
@click.option("--type", "-t", "field_type", required=True, help="Field type handle (see `field-types`).")
@_field_options
@click.option("--required", is_flag=True, help="Entries must have a value.")
@click.option("--unique", is_flag=True, help="No two entries may share a value.")
@click.option("--hidden", is_flag=True, help="Hide the field in editing UIs.")
@json_option
def add_cmd(section, handle, field_type, label, field_settings, default_value, help_text, placeholder, ui_width,
            tab_name, sort_order, required, unique, hidden):
    """Add field HANDLE of type --type to SECTION."""
    st = state()
    created = st.engine().add_field(
        section, handle, label, field_type, parse_json_arg(field_settings, "settings", allow_stdin=False),
        is_required=required, is_unique=unique,
        default_value=parse_json_arg(default_value, "default", allow_stdin=False), help_text=help_text,
        placeholder=placeholder, ui_width=ui_width or "full", tab_name=tab_name or "Content", sort_order=sort_order,
        is_visible=not hidden)

    def render():
        st.console.print(f"[green]Added field[/green] {shown(created['handle'])} ({shown(created['field_type_handle'])}) "
                         f"to {shown(section)}")
        _hint(section)

    emit({"field": created}, render)


def _find_field(engine, section: str, handle: str) -> dict:
    found = engine.get_section(section)
    for f in found["fields"]:
        if f["handle"] == handle:
            return f
    known = ", ".join(f["handle"] for f in found["fields"]) or "none"
    raise NotFound(f"field '{handle}' does not exist in section '{found['handle']}' (fields: {known})", field=handle)


@fields_group.command("update")
@click.argument("section")
@click.argument("handle")
@click.option("--rename", "new_handle", metavar="HANDLE", help="New handle (a RENAME COLUMN, data kept).")
@click.option("--type", "-t", "field_type", help="New field type (converted with USING; pre-checked).")
@_field_options
@click.option("--required/--optional", default=None, help="Make the field required or optional.")
@click.option("--unique/--not-unique", default=None, help="Add or drop the unique rule.")
@click.option("--hidden/--visible", default=None)
@click.option("--validation-rules", metavar="JSON",
              help='The field\'s own rules: [{"rule": {"_regex": "^[A-Z]+$"}, "message": "..."}] (\'[]\' for none).')
@json_option
def update_cmd(section, handle, new_handle, field_type, label, field_settings, default_value, help_text, placeholder,
               ui_width, tab_name, sort_order, required, unique, hidden, validation_rules):
    """Change field HANDLE of SECTION (only the options given change)."""
    st = state()
    engine = st.engine()
    existing = _find_field(engine, section, handle)
    updates = {}
    pairs = {
        "handle": new_handle, "field_type_handle": field_type, "label": label, "help_text": help_text,
        "placeholder": placeholder, "ui_width": ui_width, "tab_name": tab_name, "sort_order": sort_order,
        "is_required": required, "is_unique": unique,
        "is_visible": None if hidden is None else not hidden,
    }
    updates.update({k: v for k, v in pairs.items() if v is not None})
    if field_settings is not None:
        updates["field_settings"] = parse_json_arg(field_settings, "settings", allow_stdin=False)
    if default_value is not None:
        updates["default_value"] = parse_json_arg(default_value, "default", allow_stdin=False)
    if validation_rules is not None:
        updates["custom_validation_rules"] = parse_json_arg(validation_rules, "validation-rules", allow_stdin=False)
    if not updates:
        raise InvalidInput("nothing to change: give at least one option (see --help)", field="updates")
    updated = engine.update_field(existing["id"], updates)

    def render():
        st.console.print(f"[green]Updated field[/green] {shown(handle)}" +
                         (f" -> {shown(updated['handle'])}" if updated["handle"] != handle else "") +
                         f" in {shown(section)}")
        _hint(section)

    emit({"field": updated}, render)


@fields_group.command("remove")
@click.argument("section")
@click.argument("handle")
@json_option
def remove_cmd(section, handle):
    """Remove field HANDLE from SECTION (its column is archived by the next migration)."""
    st = state()
    removed = st.engine().remove_field(section, handle)

    def render():
        st.console.print(f"[green]Removed field[/green] {shown(removed['handle'])} from {shown(section)} (configuration)")
        _hint(section)

    emit({"field": removed}, render)
