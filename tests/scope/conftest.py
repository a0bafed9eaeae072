"""Fixtures for the scope tests: worlds A and B (see ``scope_worlds``), built once per module.

Hypothesis runs each test function many times, so the databases live for the module;
each example undoes its writes (``reset_world``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from scope_worlds import build_world

# The MCP tests' helpers (the server command a host runs) are shared with these tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mcp"))


@pytest.fixture(scope="module")
def worlds(pg_admin_url):
    """{"A": url, "B": url}: two databases with the same served data and other hidden data."""
    names = {variant: f"cs_scope_{variant.lower()}_{os.getpid()}_{os.urandom(3).hex()}" for variant in "AB"}
    urls = {}
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for variant, name in names.items():
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            urls[variant] = make_conninfo(**{**conninfo_to_dict(pg_admin_url), "dbname": name})
    try:
        for variant, url in urls.items():
            build_world(url, variant)
        yield urls
    finally:
        from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

        close_pools()
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            for name in names.values():
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
