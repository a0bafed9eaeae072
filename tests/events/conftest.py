"""Fixtures of the events tests: an engine that may send to 127.0.0.1 (and only there), a
section ``notes`` applied with history on, and a real HTTP receiver."""

from __future__ import annotations

import pytest
from events_helpers import Receiver, apply

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.settings import EngineSettings


@pytest.fixture
def engine(database_url):
    eng = ContentEngine(database_url, EngineSettings(events_allow_networks=("127.0.0.1/32",)))
    eng.install()
    return eng


@pytest.fixture
def notes(engine):
    section = engine.create_section("notes", "Notes")
    engine.add_field(section["id"], "title", "Title", "text", is_required=True)
    engine.add_field(section["id"], "count", "Count", "integer")
    apply(engine, section["id"])
    return engine.get_section(section["id"])


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
