"""Junction tables made before migrations created their ``source_id`` index get it from the
system upgrade, built CONCURRENTLY: writers of the junction table go on while it builds."""

from __future__ import annotations

import threading
import time

import psycopg

from engine_helpers import make_section, sql
from polysynergy_nodes_content.content_engine.engine import ContentEngine

SOURCE_ONLY = ("SELECT i.indexrelid::regclass::text, i.indisvalid FROM pg_index i JOIN pg_attribute a "
               "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
               "WHERE i.indrelid = 'custom.teams_members'::regclass AND i.indnatts = 1 AND a.attname = 'source_id'")


def old_junction(engine):
    """A section with a multiple relation whose junction table lacks the source_id index
    (as tables made before that index was added do); returns (team ids, people ids)."""
    make_section(engine, "people", [{"handle": "name", "type": "text"}])
    people = [e["id"] for e in engine.create_entries("people", [{"name": f"p{i}"} for i in range(5)])]
    make_section(engine, "teams", [{"handle": "members", "type": "relation",
                                    "field_settings": {"targetSection": "people", "allowMultiple": True}}])
    teams = [e["id"] for e in engine.create_entries("teams", [{"members": people[:2]} for _ in range(5)])]
    (index, valid), = sql(engine, SOURCE_ONLY)
    assert valid
    sql(engine, f"DROP INDEX {index}")  # test-only: a name read from the catalog
    return teams, people


def wait_for_build(url, deadline_s=30.0):
    """The command pg_stat_progress_create_index shows for the junction table, once shown."""
    deadline = time.monotonic() + deadline_s
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT command FROM pg_stat_progress_create_index "
                               "WHERE relid = 'custom.teams_members'::regclass").fetchone()
            if row:
                return row[0]
            time.sleep(0.02)
    raise AssertionError("no index build on the junction table was seen")


def test_the_upgrade_builds_the_missing_source_index_concurrently(database_url):
    engine = ContentEngine(database_url)
    engine.install()
    teams, people = old_junction(engine)
    assert sql(engine, SOURCE_ONLY) == []
    # A writer in the middle of a transaction on the junction table: the build waits for it.
    writer = psycopg.connect(database_url)
    writer.execute("INSERT INTO custom.teams_members (source_id, target_id) VALUES (%s, %s)", (teams[0], people[4]))
    result: dict = {}
    upgrade = threading.Thread(target=lambda: result.update(installed=ContentEngine(database_url).install()))
    upgrade.start()
    try:
        assert wait_for_build(database_url) == "CREATE INDEX CONCURRENTLY"
        # While the build runs, other writers are not held up (a plain build would hold them).
        with psycopg.connect(database_url, autocommit=True) as other:
            other.execute("SET lock_timeout = '20s'")
            other.execute("INSERT INTO custom.teams_members (source_id, target_id) VALUES (%s, %s)",
                          (teams[1], people[4]))
    finally:
        writer.commit()
        writer.close()
        upgrade.join(60)
    assert "installed" in result
    (index, valid), = sql(engine, SOURCE_ONLY)
    assert valid and index.endswith("_source_idx")
    assert sql(engine, "SELECT count(*) FROM custom.teams_members")[0][0] == 12
    # Nothing is left to build: a second install changes nothing.
    engine.install()
    assert sql(engine, SOURCE_ONLY) == [(index, True)]


def test_an_upgrade_from_an_older_version_builds_it_on_first_use(database_url):
    engine = ContentEngine(database_url)
    engine.install()
    old_junction(engine)
    # The installation as it was before this upgrade's system SQL file.
    sql(engine, "DELETE FROM public.content_schema_versions WHERE version = (SELECT max(version) FROM "
                "public.content_schema_versions)")
    fresh = ContentEngine(database_url)
    fresh.ensure_installed()
    (index, valid), = sql(engine, SOURCE_ONLY)
    assert valid
