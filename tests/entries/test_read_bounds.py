"""Bounded reads against the real server: every read transaction (query, get, aggregate,
export, related titles) stops at the read statement timeout with an error naming the limit
and the setting; filters beyond the caps (operand length, conditions, nesting, bytes) are
refused naming the key and the limit; each cap follows its setting."""

from __future__ import annotations

import io
from contextlib import contextmanager

import psycopg
import pytest

from polysynergy_nodes_content.content_engine.descriptors.related_titles import query_with_titles
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.postgres.read_limits import ReadTimeout
from polysynergy_nodes_content.content_engine.settings import EngineSettings
from polysynergy_nodes_content.content_engine.transfer import stream as transfer


@contextmanager
def table_locked(database_url: str, table: str):
    """The table under ACCESS EXCLUSIVE in another session: every read of it waits. The
    lock ends by itself after 60 s, so a read without a timeout fails the test, never hangs it."""
    with psycopg.connect(database_url) as locker:
        locker.execute("SET idle_in_transaction_session_timeout = '60s'")
        locker.execute(f'LOCK TABLE custom."{table}" IN ACCESS EXCLUSIVE MODE')
        yield
        locker.rollback()


@pytest.fixture
def bounded(database_url, sections, authors):
    return ContentEngine(database_url, EngineSettings.from_env(read_statement_timeout_ms=300))


def test_every_read_stops_at_the_read_statement_timeout(bounded, database_url, authors):
    reads = {
        "query": lambda: bounded.query_entries("authors", filters={"name": {"_contains": "a"}}, count="exact"),
        "get": lambda: bounded.get_entry("authors", authors["Ada"]),
        "aggregate": lambda: bounded.aggregate_entries("authors", {"count": "*"}),
        "export": lambda: transfer.export_entries(bounded, "authors", io.StringIO(), fmt="jsonl"),
        "titles": lambda: query_with_titles(bounded, "articles", guess_title=True,
                                            filters={"author": {"name": "Ada"}}),
    }
    with table_locked(database_url, "authors"):
        for name, read in reads.items():
            with pytest.raises(ReadTimeout) as info:
                read()
            message = str(info.value)
            assert "stopped after 300 ms" in message, (name, message)
            assert "read_statement_timeout_ms" in message and "SECTIONS_READ_STATEMENT_TIMEOUT_MS" in message
            assert info.value.exit_code == 4
    assert bounded.query_entries("authors", count="exact")["total_count"] == 3
    assert bounded.aggregate_entries("authors", {"count": "*"})["groups"] == [{"count": 3}]


def test_the_timeout_is_local_to_the_read_transaction(bounded, raw):
    bounded.query_entries("authors")
    with bounded.pool.connection() as conn:  # the same pooled sessions the reads ran on
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "0"


def test_the_setting_comes_from_the_environment():
    assert EngineSettings.from_env({"SECTIONS_READ_STATEMENT_TIMEOUT_MS": "1500"}).read_statement_timeout_ms == 1500
    assert EngineSettings.from_env({}).read_statement_timeout_ms == 30_000
    env = {"SECTIONS_MAX_FILTER_OPERAND_LENGTH": "7", "SECTIONS_MAX_FILTER_CONDITIONS": "2",
           "SECTIONS_MAX_FILTER_DEPTH": "3", "SECTIONS_MAX_FILTER_BYTES": "99"}
    settings = EngineSettings.from_env(env)
    assert (settings.max_filter_operand_length, settings.max_filter_conditions, settings.max_filter_depth,
            settings.max_filter_bytes) == (7, 2, 3, 99)


def test_a_long_text_operand_is_refused_naming_the_key(engine, sections, authors):
    with pytest.raises(InvalidInput, match=r"filters\.name\._contains: a text of 1001 characters is longer than "
                                           r"the 1000 .*SECTIONS_MAX_FILTER_OPERAND_LENGTH") as info:
        engine.query_entries("authors", filters={"name": {"_contains": "x" * 1001}})
    assert info.value.field == "filters"
    for call in (lambda f: engine.aggregate_entries("authors", {"count": "*"}, filters=f),
                 lambda f: engine.update_entries("authors", f, {"name": "Z"}, confirm=True),
                 lambda f: transfer.export_entries(engine, "authors", io.StringIO(), fmt="jsonl", filters=f)):
        with pytest.raises(InvalidInput, match="longer than the 1000"):
            call({"_or": [{"name": {"_in": ["Ada", "y" * 1001]}}]})
    assert engine.query_entries("authors", filters={"name": {"_contains": "x" * 1000}})["entries"] == []
    wide = ContentEngine(engine.url, EngineSettings.from_env(max_filter_operand_length=5000))
    assert wide.query_entries("authors", filters={"name": {"_contains": "x" * 1001}})["entries"] == []


def test_conditions_depth_and_bytes_follow_their_settings(engine, sections, authors):
    tight = ContentEngine(engine.url, EngineSettings.from_env(max_filter_conditions=2, max_filter_depth=1,
                                                              max_filter_bytes=200))
    two = {"name": {"_neq": "x", "_nnull": True}}
    assert len(tight.query_entries("authors", filters=two)["entries"]) == 3
    with pytest.raises(InvalidInput, match=r"too many filter conditions \(at most 2; setting max_filter_conditions"):
        tight.query_entries("authors", filters={**two, "email": {"_null": True}})
    nested = {"_and": [{"_or": [{"name": "Ada"}]}]}
    assert len(engine.query_entries("authors", filters=nested)["entries"]) == 1
    with pytest.raises(InvalidInput, match=r"nested too deeply \(at most 1 levels; setting max_filter_depth"):
        tight.query_entries("authors", filters=nested)
    many = {"name": {"_in": [f"name {i}" for i in range(30)]}}
    assert engine.query_entries("authors", filters=many)["entries"] == []
    with pytest.raises(InvalidInput, match=r"filters are \d+ bytes as JSON, more than the 200 allowed .*"
                                           r"SECTIONS_MAX_FILTER_BYTES"):
        tight.query_entries("authors", filters=many)


def test_objects_nested_past_the_container_cap_are_refused_before_any_walk(engine, sections):
    deep: dict = {}
    node = deep
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InvalidInput, match="nested too deeply"):
        engine.query_entries("authors", filters={"name": {"_eq": deep}})


def test_a_filter_with_a_lone_surrogate_gets_the_unencodable_message(engine, sections):
    with pytest.raises(InvalidInput) as info:
        engine.query_entries("authors", filters={"name": {"_eq": "a\ud800"}})
    assert info.value.field == "filters" and "bytes as JSON" not in str(info.value)
