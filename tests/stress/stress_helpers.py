"""Shared helpers of the stress tests: Hypothesis profiles, database snapshots, small SQL utilities.

Hypothesis profiles (chosen with ``HYPOTHESIS_PROFILE``):

* ``ci`` (default): a few hundred examples per property, no deadline — what CI runs.
* ``long``: thousands of examples per property, by hand:
  ``HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -q tests/stress``.

The profiles are applied per test with ``@STRESS_SETTINGS`` instead of
``settings.load_profile`` so other test packages keep Hypothesis' defaults.
Tests that take minutes are skipped unless ``CONTENT_STRESS_LONG=1``.
"""

from __future__ import annotations

import contextlib
import os

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg.conninfo import conninfo_to_dict, make_conninfo

_COMMON = dict(
    deadline=None,
    database=None,  # no .hypothesis/ directory in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
# CI explores the same examples every run (a red CI must be reproducible); the long
# profile, run by hand, draws new ones each time.
settings.register_profile("ci", max_examples=int(os.environ.get("CONTENT_STRESS_EXAMPLES", "200")),
                          derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=int(os.environ.get("CONTENT_STRESS_EXAMPLES", "3000")), **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    PROFILE = "ci"
#: Decorator applying the active stress profile to one @given test.
STRESS_SETTINGS = settings.get_profile(PROFILE)


def scaled(ci_examples: int) -> settings:
    """The active profile with a different example count in CI (long: 15x)."""
    count = ci_examples * 15 if PROFILE == "long" else ci_examples
    if os.environ.get("CONTENT_STRESS_EXAMPLES"):
        count = int(os.environ["CONTENT_STRESS_EXAMPLES"])
    return settings(STRESS_SETTINGS, max_examples=count)


LONG = os.environ.get("CONTENT_STRESS_LONG", "").strip().lower() in ("1", "true", "yes", "on")
long_only = pytest.mark.skipif(not LONG, reason="long stress test: set CONTENT_STRESS_LONG=1 to run it")


def database_url_for(admin_url: str, dbname: str, **overrides) -> str:
    params = conninfo_to_dict(admin_url)
    params["dbname"] = dbname
    params.update(overrides)
    return make_conninfo(**params)


def autocommit_connection(target):
    """``target`` itself when it is an (autocommit) connection, else a new autocommit
    connection to the URL ``target`` (closed after use): property tests keep one open for
    their many examples instead of connecting again for every read."""
    if isinstance(target, psycopg.Connection):
        return contextlib.nullcontext(target)
    return psycopg.connect(target, autocommit=True)


def q(url, query, params=None):
    """Run one statement in autocommit on ``url`` (or an open autocommit connection);
    return all rows (or None)."""
    with autocommit_connection(url) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


# -- snapshots ---------------------------------------------------------------------------
_CATALOG = """
SELECT n.nspname, c.relname, c.relkind::text,
       coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text,
                                   ',' ORDER BY a.attname)
                 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''),
       coalesce((SELECT string_agg(co.conname || ':' || pg_get_constraintdef(co.oid), ',' ORDER BY co.conname)
                 FROM pg_constraint co WHERE co.conrelid = c.oid), ''),
       coalesce((SELECT i.indisvalid::text FROM pg_index i WHERE i.indexrelid = c.oid), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
  AND n.nspname NOT LIKE 'pg_temp%%'
ORDER BY 1, 2
"""


def catalog_objects(conn) -> list[tuple]:
    """Every relation (table, index, sequence, view) outside the system catalogs, with its
    columns, constraints and index validity."""
    return conn.execute(_CATALOG).fetchall()


def table_contents(conn, schema: str, table: str, order: str = "id") -> list[tuple]:
    from psycopg import sql

    return conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY {}").format(sql.Identifier(schema, table), sql.Identifier(order))
    ).fetchall()


def system_snapshot(url, system_schema: str = "public", canaries=(), exclude_section_ids=(),
                    exclude_tables=(), exclude_schemas=()) -> dict:
    """Contents of the system tables (optionally without some sections' rows), the catalog
    of every schema, the schema list and the rows of the canary tables (read through ``url``
    or an open autocommit connection)."""
    from psycopg import sql

    excl = [str(s) for s in exclude_section_ids]
    with autocommit_connection(url) as conn:
        snap = {
            "schemas": conn.execute("SELECT nspname FROM pg_namespace ORDER BY 1").fetchall(),
            "catalog": [r for r in catalog_objects(conn) if r[1] not in exclude_tables and r[0] not in exclude_schemas],
            "sections": conn.execute(
                sql.SQL("SELECT * FROM {} WHERE NOT (id = ANY(%s::uuid[])) ORDER BY id").format(
                    sql.Identifier(system_schema, "sections")), (excl,)).fetchall(),
            "fields": conn.execute(
                sql.SQL("SELECT * FROM {} WHERE NOT (section_id = ANY(%s::uuid[])) ORDER BY id").format(
                    sql.Identifier(system_schema, "section_fields")), (excl,)).fetchall(),
            "migrations": conn.execute(
                sql.SQL("SELECT * FROM {} WHERE NOT (section_id = ANY(%s::uuid[])) ORDER BY id").format(
                    sql.Identifier(system_schema, "section_migrations")), (excl,)).fetchall(),
            "registry": conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY handle").format(
                    sql.Identifier(system_schema, "field_type_registry"))).fetchall(),
            "canaries": {f"{s}.{t}": table_contents(conn, s, t) for s, t in canaries},
        }
    return snap


def diff_snapshots(before: dict, after: dict) -> str:
    """A short description of what changed (empty when nothing did)."""
    out = []
    for key in before:
        if before[key] != after[key]:
            if isinstance(before[key], list):
                b, a = set(map(repr, before[key])), set(map(repr, after[key]))
                out.append(f"{key}: removed {sorted(b - a)[:3]} added {sorted(a - b)[:3]}")
            else:
                out.append(f"{key} changed")
    return "; ".join(out)


CREATE_API_ROLES = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN BYPASSRLS; END IF;
END;
$$;
"""


def live_state(engine, section_ref) -> dict:
    """The live catalog description of a section's table and junction tables (column
    positions left out: a restored column comes back last)."""
    from polysynergy_nodes_content.content_engine.postgres.catalog import read_section

    section = engine.get_section(section_ref)
    applied = section["applied_state"]
    name = applied["section"]["table_name"] if applied else section["table_name"]
    with psycopg.connect(engine.url) as conn:
        found = read_section(conn, engine.settings.content_schema, section["id"], name)

    def table(t):
        d = t.describe()
        d["columns"] = {k: {kk: vv for kk, vv in v.items() if kk != "position"} for k, v in d["columns"].items()}
        return d

    return {"table": table(found.table) if found.table else None,
            "junctions": {k: table(v) for k, v in found.junctions.items()}}
