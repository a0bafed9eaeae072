"""``serve``: the content studio web page (needs the ``web`` extra)."""

from __future__ import annotations

import click

from ..content_engine.errors import ConfigurationError, InvalidInput, extra_install_hint
from .common import DatabaseChoice, choose_database, state


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but a loopback address exposes the studio to the network.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--idle-minutes", type=click.FloatRange(min=0, min_open=True), default=30, show_default=True,
              envvar="SECTIONS_STUDIO_IDLE_MINUTES", show_envvar=True,
              help="A browser session ends after this long without a request.")
@click.option("--session-hours", type=click.FloatRange(min=0, min_open=True), default=12, show_default=True,
              envvar="SECTIONS_STUDIO_SESSION_HOURS", show_envvar=True,
              help="A browser session ends this long after it began, however active.")
@click.option("--demo", is_flag=True,
              help="Open the demo's database (polysynergy_demo on the embedded server), where "
                   "`polysynergy-content demo` writes when no database URL is set.")
def serve_cmd(host, port, idle_minutes, session_hours, demo):
    """Run the content studio: section builder, migration review, table view and entry forms.

    Every page needs the access token: $SECTIONS_STUDIO_TOKEN, else one generated now
    and printed with the URL. Opening that URL starts a browser session (ended by Sign
    out, --idle-minutes and --session-hours). Stop with Ctrl-C."""
    try:
        from ..studio.server import run_studio
    except ImportError as exc:  # the optional dependencies are missing
        raise ConfigurationError(
            f"the studio needs the 'web' extra ({exc.name} is missing): {extra_install_hint('web')}"
        ) from None
    st = state()
    if demo:
        st.use_database(demo_database(st))
    engine = st.engine()
    run_studio(engine, host, port, database=st.database().sentence(), idle_minutes=idle_minutes,
               session_hours=session_hours)


def demo_database(st) -> DatabaseChoice:
    """The embedded demo database; with a URL set the demo wrote there, so --demo is refused."""
    from .demo import DEMO_DATABASE, configured_url

    if st.database_url or configured_url():
        raise InvalidInput("--demo opens the embedded server's demo database, but a database URL is set (the demo "
                           "wrote to that database): run serve without --demo", field="--demo")
    return choose_database(None, st.data_dir, database=DEMO_DATABASE)
