"""Fixtures for the stress tests: databases that live for a whole test module.

Hypothesis runs a test function many times; a function-scoped fixture would be
shared by all of those examples anyway (and Hypothesis warns about it), so the
property tests build their engine once per module from ``pg_admin_url``.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from psycopg import sql
from stress_helpers import database_url_for


@pytest.fixture(scope="module")
def module_database(pg_admin_url):
    """Factory of fresh databases that are dropped when the module ends."""
    created = []

    def make() -> str:
        name = f"cs_{os.getpid()}_{len(created)}_{os.urandom(3).hex()}"
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        created.append(name)
        return database_url_for(pg_admin_url, name)

    yield make
    from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

    close_pools()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        for name in created:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
