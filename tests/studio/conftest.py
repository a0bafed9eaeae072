"""Fixtures for the descriptor and studio tests: an engine on a fresh database."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine


@pytest.fixture
def engine(database_url):
    eng = ContentEngine(database_url)
    eng.install()
    return eng
