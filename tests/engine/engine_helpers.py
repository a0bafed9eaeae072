"""Helpers for engine tests: live catalog state, raw rows, sections built through the engine."""

from __future__ import annotations

import psycopg

from polysynergy_nodes_content.content_engine.postgres.catalog import read_section


def live_state(engine, section_id):
    """The live catalog description of a section's table (for before/after comparisons)."""
    section = engine.get_section(section_id)
    with psycopg.connect(engine.url) as conn:
        applied = section["applied_state"]
        name = applied["section"]["table_name"] if applied else section["table_name"]
        live = read_section(conn, engine.settings.content_schema, section["id"], name)
        return normalized(live)


def normalized(live):
    """Catalog description without column positions (a restored column comes back last)."""
    def table(t):
        d = t.describe()
        d["columns"] = {k: {kk: vv for kk, vv in v.items() if kk != "position"} for k, v in d["columns"].items()}
        return d

    return {
        "table": table(live.table) if live.table else None,
        "junctions": {k: table(v) for k, v in live.junctions.items()},
    }


def rows(engine, table, order="id"):
    with psycopg.connect(engine.url) as conn:
        cur = conn.execute(f'SELECT * FROM custom."{table}" ORDER BY "{order}"')  # test-only, fixed names
        names = [c.name for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def sql(engine, query, params=None):
    with psycopg.connect(engine.url, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def make_section(engine, handle="articles", fields=(), rows_data=()):
    """Create a section with fields, apply its table and insert rows through the engine."""
    section = engine.create_section(handle, handle.title())
    for spec in fields:
        spec = dict(spec)
        engine.add_field(section["id"], spec.pop("handle"), spec.pop("label", None), spec.pop("type"), **spec)
    migration = engine.plan_migration(section["id"])
    engine.apply_migration(migration["id"], confirm=True)
    for data in rows_data:
        engine.create_entry(handle, data)
    return engine.get_section(section["id"])


def plan_apply(engine, section_id, confirm=True):
    migration = engine.plan_migration(section_id)
    assert migration["id"] is not None, migration["sql"]
    applied = engine.apply_migration(migration["id"], confirm=confirm)
    assert applied["status"] == "applied"
    return migration
