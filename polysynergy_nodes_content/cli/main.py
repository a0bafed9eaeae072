"""Entry point of ``polysynergy-content`` (also ``python -m polysynergy_nodes_content``)."""

from __future__ import annotations

import click

from .common import ContentGroup, State, emit, json_option, state, table

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=ContentGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--database-url", metavar="URL",
              help="PostgreSQL URL. Default: $SECTIONS_DATABASE_URL, else $DATABASE_URL, else the embedded "
                   "PostgreSQL this tool starts itself.")
@click.option("--data-dir", metavar="DIR", envvar="SECTIONS_EMBEDDED_DIR", show_envvar=True,
              help="Data directory of the embedded PostgreSQL (default ~/.local/share/polysynergy-content/pgdata).")
@click.option("--json", "json_output", is_flag=True, help="Print results (and errors) as JSON for scripts.")
@click.version_option(package_name="polysynergy-nodes-content")
@click.pass_context
def cli(ctx, database_url, data_dir, json_output):
    """A Craft-CMS-style content system on PostgreSQL: sections become real tables,
    migrations are reviewed before they run, entries are validated.

    \b
    Exit codes: 0 ok, 2 bad input, 3 refused (stale, needs confirmation, declined),
    4 database error.
    """
    ctx.obj = State(database_url=database_url, data_dir=data_dir, json=json_output)


@cli.command("init")
@json_option
def init_cmd():
    """Install or upgrade the system schema and sync the field-type registry."""
    st = state()
    result = st.engine().install()

    def render():
        applied = ", ".join(result["applied"]) or "nothing (already up to date)"
        st.console.print(f"[green]System schema version {result['schema_version']}[/green]; applied: {applied}")
        st.console.print(f"Field types synced: {len(result['field_types'])} ({', '.join(result['field_types'])})")

    emit(result, render)


@cli.command("field-types")
@json_option
def field_types_cmd():
    """The field-type catalogue (handle, label, column type, settings)."""
    from polysynergy_section_field import default_registry

    registry = default_registry()
    types = [ft.describe() for ft in sorted(registry, key=lambda f: (f.category, f.handle))]

    def render():
        rows = []
        for d in types:
            props = (d.get("settings_schema") or {}).get("properties") or {}
            rows.append([d["handle"], d["label"], d["category"], d["postgres_type"], ", ".join(props)])
        st = state()
        st.console.print(table("Field types", ["handle", "label", "category", "column type", "settings"], rows))

    emit({"field_types": types}, render)


def _register() -> None:
    from .db import db_group
    from .demo import demo_cmd
    from .entries import entries_group
    from .mcp import mcp_cmd
    from .migrations import migrations_group
    from .schema import schema_group
    from .sections import fields_group, sections_group

    cli.add_command(db_group)
    cli.add_command(sections_group)
    cli.add_command(fields_group)
    cli.add_command(migrations_group)
    cli.add_command(schema_group)
    cli.add_command(entries_group)
    cli.add_command(demo_cmd)
    cli.add_command(mcp_cmd)
    from .history import register as register_history

    register_history(cli, entries_group)
    from .events import register as register_events

    register_events(cli)
    _register_studio()


def _register_studio() -> None:
    """The descriptor commands (under ``sections``) and ``serve``."""
    from .adopt import adopt_cmd
    from .descriptor_commands import form_cmd, table_cmd
    from .sections import sections_group
    from .serve import serve_cmd

    sections_group.add_command(adopt_cmd)
    sections_group.add_command(form_cmd)
    sections_group.add_command(table_cmd)
    cli.add_command(serve_cmd)


_register()


def main(argv=None) -> None:
    cli.main(args=argv, prog_name="polysynergy-content")


if __name__ == "__main__":  # pragma: no cover
    main()
