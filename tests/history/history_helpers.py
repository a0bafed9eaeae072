"""Helpers of the history tests (a module of its own: every test directory has a conftest)."""

from __future__ import annotations

import psycopg


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
