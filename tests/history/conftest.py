"""Fixtures for the history tests: an installed engine on a fresh database, and a section
``notes`` (a unique title, a number, a text) applied with history on (the default)."""

from __future__ import annotations

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine


def apply(engine, section) -> dict:
    plan = engine.plan_migration(section)
    engine.apply_migration(plan["id"], confirm=True)
    return plan


def history_rows(engine, where: str = "TRUE", params=()) -> list[dict]:
    """Raw rows of the history table (as the engine's owner role reads them)."""
    with psycopg.connect(engine.url) as conn:
        cur = conn.execute(f"SELECT * FROM public.content_history WHERE {where} ORDER BY id", params)  # test-only
        names = [c.name for c in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


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
