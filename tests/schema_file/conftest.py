"""Fixtures for schema-file tests: installed engines on fresh databases (a development
database and a production one are two databases of the real test server)."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine


@pytest.fixture
def make_engine(new_database):
    def make(settings=None) -> ContentEngine:
        engine = ContentEngine(new_database(), settings)
        engine.install()
        return engine

    return make


@pytest.fixture
def dev(make_engine):
    return make_engine()


@pytest.fixture
def prod(make_engine):
    return make_engine()
