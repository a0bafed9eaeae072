"""Fixtures for the history tests: an installed engine on a fresh database, and a section
``notes`` (a unique title, a number, a text) applied with history on (the default)."""

from __future__ import annotations

import pytest
from history_helpers import apply

from polysynergy_nodes_content.content_engine.engine import ContentEngine


@pytest.fixture
def engine(database_url):
    eng = ContentEngine(database_url)
    eng.install()
    return eng


@pytest.fixture
def notes(engine):
    section = engine.create_section("notes", "Notes")
    engine.add_field(section["id"], "title", "Title", "text", is_required=True, is_unique=True)
    engine.add_field(section["id"], "count", "Count", "integer", {"min": 0})
    engine.add_field(section["id"], "body", "Body", "textarea")
    apply(engine, section["id"])
    return engine.get_section(section["id"])
