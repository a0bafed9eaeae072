"""A studio page whose query is still running when its client disconnects: the query is
cancelled in the database (the studio runs as ``serve``, the client is a raw socket, the
slow query is one waiting for a table another session locked)."""

from __future__ import annotations

import socket
import time

import psycopg
import pytest
from browser_support import Studio
from studio_helpers import build


def _waiting(conn) -> list:
    """Backends of this database waiting for a lock (the studio's page query)."""
    return conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchall()


def _until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(what)


def test_a_page_query_is_cancelled_when_its_client_goes_away(engine, database_url, monkeypatch):
    build(engine, "people", [dict(handle="name", field_type_handle="text")])
    engine.create_entry("people", {"name": "Ada"})
    # The read timeout far beyond the test: only the disconnect can end the query early.
    monkeypatch.setenv("SECTIONS_READ_STATEMENT_TIMEOUT_MS", "300000")
    studio = Studio(database_url, "disconnect-token")
    try:
        with psycopg.connect(database_url) as locker, psycopg.connect(database_url, autocommit=True) as watch:
            locker.execute("SET idle_in_transaction_session_timeout = '90s'")  # never a hung test
            locker.execute('LOCK TABLE custom."people" IN ACCESS EXCLUSIVE MODE')
            client = socket.create_connection(("127.0.0.1", studio.port))
            client.sendall(b"GET /sections/people/entries HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           b"Authorization: Bearer disconnect-token\r\n\r\n")
            pids = _until(lambda: _waiting(watch), 30, "the page's query never reached the database")
            client.close()
            _until(lambda: not _waiting(watch), 20,
                   f"the query of backends {pids} kept running after its client went away")
            locker.rollback()
        # The studio serves on: the next page reads the table.
        with socket.create_connection(("127.0.0.1", studio.port)) as again:
            again.sendall(b"GET /sections/people/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          b"Authorization: Bearer disconnect-token\r\n\r\n")
            answer = b""
            while chunk := again.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and b"Ada" in answer
    finally:
        studio.stop()
