"""``serve``: the content studio web page (needs the ``web`` extra)."""

from __future__ import annotations

import click

from ..content_engine.errors import ConfigurationError, InvalidInput
from ..content_engine.install_hint import extra_install_hint
from .common import DatabaseChoice, choose_database, state


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but a loopback address exposes the studio to the network.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--demo", is_flag=True,
              help="Open the demo's database (polysynergy_demo on the embedded server), where "
                   "`polysynergy-content demo` writes when no database URL is set.")
def serve_cmd(host, port, demo):
    """Run the content studio: section builder, migration review, table view and entry forms.

    Every page needs the access token: $SECTIONS_STUDIO_TOKEN, else one generated now
    and printed with the URL. Stop with Ctrl-C."""
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
    run_studio(engine, host, port, database=st.database().sentence())


def demo_database(st) -> DatabaseChoice:
    """The embedded demo database; with a URL set the demo wrote there, so --demo is refused."""
    from .demo import DEMO_DATABASE, configured_url

    if st.database_url or configured_url():
        raise InvalidInput("--demo opens the embedded server's demo database, but a database URL is set (the demo "
                           "wrote to that database): run serve without --demo", field="--demo")
    return choose_database(None, st.data_dir, database=DEMO_DATABASE)
