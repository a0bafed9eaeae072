"""``polysynergy-content mcp``: the content system as an MCP server for agents."""

from __future__ import annotations

import click

from ..content_engine.errors import ConfigurationError, extra_install_hint
from .common import choose_database, state
from .shown import shown


@click.command("mcp")
@click.option("--http", "use_http", is_flag=True,
              help="Serve streamable HTTP on 127.0.0.1 (needs a bearer token) instead of stdio.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="Port for --http.")
@click.option("--sections", metavar="A,B", help="Serve only these section handles (default: all).")
@click.option("--read-only", is_flag=True,
              help="Offer only reading tools; every database transaction is read-only (works with a SELECT-only role).")
@click.option("--allow-schema-changes", is_flag=True,
              help="Offer create_section, add_field, update_field and remove_field (they only plan migrations).")
@click.option("--allow-apply", is_flag=True,
              help="Let apply_migration apply reviewed migrations that destroy nothing (destructive ones: never).")
@click.option("--allow-undo", is_flag=True,
              help="Offer restore_entry and undo_run (entry history; undo_run previews unless confirm).")
@click.option("--max-entries", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="Most entries one call may create or return.")
def mcp_cmd(use_http, port, sections, read_only, allow_schema_changes, allow_apply, allow_undo, max_entries):
    """Serve sections and entries to agents over MCP (stdio by default).

    \b
    Uses the same database as every command: --database-url, $SECTIONS_DATABASE_URL,
    $DATABASE_URL, else the embedded PostgreSQL. Diagnostics go to stderr.
    """
    try:
        from ..mcp_server.policy import ServerPolicy
        from ..mcp_server.redaction import Redactor
        from ..mcp_server.server import build_server
        from ..mcp_server.transports import HOST, HTTP_PATH, TOKEN_ENV, http_token, run_http, run_stdio
    except ImportError as exc:
        raise ConfigurationError(
            f"the MCP server needs the mcp extra ({exc.name} is missing): {extra_install_hint('mcp')}") from None
    try:
        policy = ServerPolicy.from_options(sections, read_only=read_only, allow_schema_changes=allow_schema_changes,
                                           allow_apply=allow_apply, allow_undo=allow_undo, max_entries=max_entries)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    st = state()
    # Chosen like every command's database, but announced here: the URL's password may sit
    # in places the usual masking does not look (a query parameter, a conninfo string).
    choice = st.choice = choose_database(st.database_url, st.data_dir)
    err = st.err
    err.print(shown(Redactor(choice.url)(choice.sentence()), markup=False), soft_wrap=True, markup=False, style="dim")
    server = build_server(choice.url, policy)
    limits = policy.describe()
    err.print(f"[dim]MCP server: sections {shown(limits['sections'])}, read-only {limits['read_only']}, schema changes "
              f"{limits['schema_changes']}, apply {limits['apply_migrations']}, undo {limits['undo']}, "
              f"max {limits['max_entries_per_call']} entries per call[/dim]", soft_wrap=True)
    if not use_http:
        run_stdio(server)
        return
    token, generated = http_token()
    err.print(f"MCP over streamable HTTP: http://{HOST}:{port}{HTTP_PATH}", soft_wrap=True)
    if generated:
        err.print(f"Bearer token (set {TOKEN_ENV} to choose one): {token}", soft_wrap=True, markup=False)
    else:
        err.print(f"Bearer token: from {TOKEN_ENV}", soft_wrap=True)
    run_http(server, port, token)
