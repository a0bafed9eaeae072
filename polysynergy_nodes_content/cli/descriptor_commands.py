"""``sections form S`` and ``sections table S``: the descriptors a front end draws from."""

from __future__ import annotations

import click

from ..content_engine.descriptors import form_descriptor, portal_layout_config, table_descriptor, with_related_titles
from .common import emit, json_option, state
from .shown import json_text

_SOURCE = click.option("--configured", "configured", is_flag=True,
                       help="Describe the configured fields (before their migration is applied).")


def _print_json(data: dict) -> None:
    click.echo(json_text(data, indent=2, default=str))


@click.command("form")
@click.argument("section")
@_SOURCE
@click.option("--portal-layout", is_flag=True, help="Print the portal's layout_config instead.")
@json_option
def form_cmd(section, configured, portal_layout):
    """The form descriptor of SECTION: fields, widgets, tabs and grid, and the entry's JSON Schema."""
    st = state()
    engine = st.engine()
    found = engine.get_section(section)
    source = "configured" if configured else "applied"
    form = form_descriptor(found, engine.registry, source)
    if portal_layout:
        result = {"layout_config": portal_layout_config(form, table_descriptor(found, engine.registry, source))}
    else:
        result = {"form": form}
    emit(result, lambda: _print_json(result))


@click.command("table")
@click.argument("section")
@_SOURCE
@json_option
def table_cmd(section, configured):
    """The table descriptor of SECTION: columns, cell kinds, sorting and filter operators."""
    st = state()
    engine = st.engine()
    found = engine.get_section(section)
    table = table_descriptor(found, engine.registry, "configured" if configured else "applied")
    with_related_titles(table, engine.list_sections())
    result = {"table": table}
    emit(result, lambda: _print_json(result))
