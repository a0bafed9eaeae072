"""Connection parameters in a URL's query reach libpq intact, with our own options removed.

libpq percent-decodes a URL's query but takes "+" literally, so a value with a space must
travel as ``%20`` and a plus must stay a plus through our rewriting of the URL.
"""

from __future__ import annotations

from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.postgres.connections import get_pool, split_url_options


def as_url(conninfo: str, query: str) -> str:
    """The test database as a postgresql:// URL (host and port in the query, so a socket
    directory works too) followed by ``query``."""
    params = conninfo_to_dict(conninfo)
    parts = [f"host={quote(params.get('host') or '127.0.0.1', safe='')}", f"port={params.get('port') or 5432}"]
    if params.get("password"):
        parts.append(f"password={quote(params['password'], safe='')}")
    user = quote(params.get("user") or "postgres", safe="")
    return f"postgresql://{user}@/{quote(params['dbname'], safe='')}?" + "&".join(parts) + "&" + query


def settings(url: str) -> tuple[str, str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT current_setting('application_name'), current_setting('statement_timeout')").fetchone()


def test_spaces_and_plus_signs_survive_removing_our_options(database_url):
    url = as_url(database_url, "prepared_statements=false&application_name=my%20app+1"
                               "&options=-c%20statement_timeout%3D4321")
    clean, prepared = split_url_options(url)
    assert prepared is False
    assert "prepared_statements" not in clean
    assert settings(clean) == ("my app+1", "4321ms")


def test_the_pool_and_the_engine_connect_with_those_options(database_url):
    url = as_url(database_url, "application_name=content%20studio&options=-c%20statement_timeout%3D7000"
                               "&pooler=session")
    with get_pool(url).connection() as conn:
        assert conn.execute("SELECT current_setting('application_name'), current_setting('statement_timeout')"
                            ).fetchone() == ("content studio", "7s")
    engine = ContentEngine(url)
    engine.install()
    section = engine.create_section("notes", "Notes")
    engine.add_field(section["id"], "title", "Title", "text", {})
    migration = engine.plan_migration(section["id"])
    assert engine.apply_migration(migration["id"], confirm=True)["status"] == "applied"
    assert engine.create_entry("notes", {"title": "a b"})["title"] == "a b"


def test_a_url_without_our_options_is_passed_on_as_written():
    url = "postgresql://u@h:5/db?application_name=a%20b+c&sslmode=disable"
    assert split_url_options(url)[0] == url
