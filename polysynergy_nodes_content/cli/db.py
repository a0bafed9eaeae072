"""``db status|start|stop``: the embedded PostgreSQL this tool runs when no URL is given;
``db pooler``: the connection pooler in front of the database."""

from __future__ import annotations

import os

import click

from ..content_engine.postgres import (
    URL_ENV_VARS,
    detect,
    embedded_status,
    mask_url,
    psql_command,
    start_embedded,
    stop_embedded,
    url_options,
)
from .common import ContentGroup, DatabaseChoice, close_pools_for, emit, json_option, state
from .shown import shown


@click.group("db", cls=ContentGroup)
def db_group():
    """See, start or stop the embedded PostgreSQL (used when no database URL is set); see the pooler."""


def _configured_url() -> tuple[str | None, str | None]:
    st = state()
    if st.database_url:
        return st.database_url, "--database-url"
    for name in URL_ENV_VARS:
        if os.environ.get(name, "").strip():
            return os.environ[name].strip(), name
    return None, None


@db_group.command("status")
@json_option
def status_cmd():
    """Whether the embedded server runs (pid, data directory, URL) and which database commands use."""
    st = state()
    info = embedded_status(st.data_dir)
    url, source = _configured_url()
    info["commands_use"] = {"url": mask_url(url), "source": source} if url else {
        "url": info["url"], "source": "embedded"}
    if info["url"]:
        info["psql"] = psql_command(info["url"])

    def render():
        c = st.console
        state_text = f"[green]running[/green] (pid {info['pid']})" if info["running"] else "[yellow]stopped[/yellow]"
        c.print(f"Embedded PostgreSQL: {state_text}")
        c.print(f"  data directory: {shown(info['data_dir'])}" + ("" if info["initialized"] else " (not created yet)"))
        if info["url"]:
            c.print(f"  URL:  {shown(info['url'])}", soft_wrap=True)
            c.print(f"  psql: {shown(info['psql'])}", soft_wrap=True)
        if url:
            c.print(f"Commands use {shown(mask_url(url))} (from {source}), not the embedded server.", soft_wrap=True)
        else:
            c.print("Commands use the embedded server (started on demand).")

    emit(info, render)


@db_group.command("start")
@json_option
def start_cmd():
    """Start the embedded server (or reuse the running one)."""
    st = state()
    db = start_embedded(st.data_dir)
    st.choice = DatabaseChoice(db.url, "embedded", str(db.data_dir), db.pid, db.started_now)
    info = {"started": db.started_now, "pid": db.pid, "data_dir": str(db.data_dir), "url": db.url,
            "psql": psql_command(db.url)}

    def render():
        verb = "Started" if db.started_now else "Already running:"
        st.console.print(f"{verb} embedded PostgreSQL, pid {db.pid}, data in {shown(db.data_dir)}")
        st.console.print(f"  URL:  {shown(db.url)}", soft_wrap=True)
        st.console.print(f"  psql: {shown(info['psql'])}", soft_wrap=True)

    emit(info, render)


@db_group.command("stop")
@json_option
def stop_cmd():
    """Stop the embedded server cleanly (fast shutdown; data is kept)."""
    st = state()
    status = embedded_status(st.data_dir)
    close_pools_for(status.get("url"), whole_server=True)  # our connections first: no race with the shutdown
    stopped = stop_embedded(st.data_dir)
    info = {"stopped": stopped, "pid": status["pid"], "data_dir": status["data_dir"]}

    def render():
        if stopped:
            st.console.print(f"Stopped the embedded PostgreSQL (pid {status['pid']}); data kept in {shown(status['data_dir'])}")
        else:
            st.console.print(f"The embedded PostgreSQL was not running (data directory {shown(status['data_dir'])}).")

    emit(info, render)



@db_group.command("pooler")
@json_option
def pooler_cmd():
    """Which connection pooler sits in front of the database, and where migrations run."""
    st = state()
    engine = st.engine()
    clean, options = url_options(engine.url)
    main = detect(clean, options["pooler"] or engine.settings.pooler)
    migrations = engine.migration_pooler()
    info = {
        "url": mask_url(engine.url), "pooler": main.mode, "reason": main.reason,
        "migration_url": mask_url(engine.migration_url), "migration_pooler": migrations.mode,
        "migration_reason": migrations.reason, "migrations_allowed": migrations.keeps_sessions,
    }

    def render():
        c = st.console
        c.print(f"Database: {shown(info['url'])}", soft_wrap=True)
        c.print(f"  pooler: [bold]{main.mode}[/bold] ({shown(main.reason)})")
        if engine.migration_url != engine.url:
            c.print(f"Migrations use: {shown(info['migration_url'])}", soft_wrap=True)
            c.print(f"  pooler: [bold]{migrations.mode}[/bold] ({shown(migrations.reason)})")
        if migrations.keeps_sessions:
            c.print("[green]Migrations can be applied and rolled back here.[/green]")
        else:
            c.print("[yellow]Migrations are refused here:[/yellow] set SECTIONS_MIGRATION_DATABASE_URL to the "
                    "direct connection (Supabase: port 5432) or a session pooler.")

    emit(info, render)
