"""Builds of the template databases that tests start on (see ``database_templates`` in
``conftest.py``): each does what a fixture would do to a fresh database."""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.engine import ContentEngine


def install_engine(url: str) -> ContentEngine:
    """What the ``engine`` fixtures do to the test's database: install the engine."""
    engine = ContentEngine(url)
    engine.install()
    return engine
