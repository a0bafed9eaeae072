"""fields=[...]: columns, dotted paths through relations, nested objects, and a fixed
number of statements per relation level (counted in libpq's own protocol trace)."""

from __future__ import annotations

import os
import tempfile

import pytest

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.settings import EngineSettings


@pytest.fixture
def library(engine, sections, authors):
    """Two articles: one with an author and reviewers in a chosen order, one with none."""
    first = engine.create_entry("articles", {"title": "first", "views": 3, "author": authors["Ada"],
                                             "reviewers": [authors["Linus"], authors["Grace"]]})
    second = engine.create_entry("articles", {"title": "second", "views": 5})
    return {"first": first, "second": second}


def test_columns_and_dotted_paths(engine, library, authors):
    result = engine.query_entries("articles", order_by="title", fields=["title", "author.name", "reviewers.name"])
    first, second = result["entries"]
    assert first == {"id": library["first"]["id"], "title": "first",
                     "author": {"id": authors["Ada"], "name": "Ada"},
                     "reviewers": [{"id": authors["Linus"], "name": "Linus"},
                                   {"id": authors["Grace"], "name": "Grace"}]}
    assert second == {"id": library["second"]["id"], "title": "second", "author": None, "reviewers": []}


def test_star_and_relation_star(engine, library, authors):
    entry = engine.get_entry("articles", library["first"]["id"], fields=["*", "author.*"])
    plain = engine.get_entry("articles", library["first"]["id"])
    assert {k: v for k, v in entry.items() if k != "author"} == {k: v for k, v in plain.items() if k != "author"}
    author = engine.get_entry("authors", authors["Ada"])
    assert entry["author"] == author
    # A relation named without a dot stays an id (a list of ids for a multiple one).
    ids = engine.get_entry("articles", library["first"]["id"], fields=["author", "reviewers"])
    assert ids == {"id": library["first"]["id"], "author": authors["Ada"],
                   "reviewers": [authors["Linus"], authors["Grace"]]}


def test_fields_as_comma_text_and_json_text(engine, library):
    a = engine.query_entries("articles", order_by="title", fields="title,author.name")["entries"]
    b = engine.query_entries("articles", order_by="title", fields='["title", "author.name"]')["entries"]
    assert a == b and a[0]["author"]["name"] == "Ada"


def test_nested_levels(engine, sections, authors, build):
    build(engine, "issues", [
        ("name", "text", {}, True, False),
        ("lead", "relation", {"targetSection": "articles"}, False, False),
    ])
    article = engine.create_entry("articles", {"title": "deep", "author": authors["Grace"]})
    issue = engine.create_entry("issues", {"name": "one", "lead": article["id"]})
    got = engine.get_entry("issues", issue["id"], fields=["name", "lead.title", "lead.author.name"])
    assert got == {"id": issue["id"], "name": "one",
                   "lead": {"id": article["id"], "title": "deep",
                            "author": {"id": authors["Grace"], "name": "Grace"}}}


@pytest.mark.parametrize("fields, message", [
    (["nope"], "unknown field 'nope'"),
    (["author.nope"], "unknown field 'author.nope' in section 'authors'"),
    (["title.name"], "'title' is not a relation"),
    (["a b"], "is not a field path"),
    (["*.name"], "'\\*' ends a path"),
    ([1], "list of field paths"),
])
def test_bad_fields_name_the_path(engine, library, fields, message):
    with pytest.raises(InvalidInput, match=message):
        engine.query_entries("articles", fields=fields)


class StatementCounter:
    """Counts the statements a connection sends (Bind messages in libpq's trace)."""

    def __init__(self, engine):
        self.engine = engine
        self.path = tempfile.mktemp(prefix="content-trace-")

    def __enter__(self):
        self.file = open(self.path, "w")
        with self.engine.pool.connection() as conn:  # the pool holds exactly one connection
            conn.pgconn.trace(self.file.fileno())
        return self

    def __exit__(self, *exc):
        with self.engine.pool.connection() as conn:
            conn.pgconn.untrace()
        self.file.close()
        with open(self.path) as f:
            self.statements = sum(1 for line in f if "\tF\t" in line and "\tBind\t" in line)
        os.unlink(self.path)


def traced_engine(database_url) -> ContentEngine:
    """An engine with a pool of its own (another application_name) holding exactly one
    connection, so StatementCounter sees every statement it sends."""
    return ContentEngine(database_url + " application_name=trace", EngineSettings(pool_min_size=1, pool_max_size=1))


def add_articles(engine, ids: list, n: int, prefix: str, reviewers: int = 2) -> None:
    """``n`` articles, each with an author and ``reviewers`` reviewers taken in turn from ``ids``."""
    engine.create_entries("articles", [{"title": f"{prefix}{n}-{i}", "author": ids[i % 3],
                                        "reviewers": [ids[(i + k) % 3] for k in range(1, reviewers + 1)]}
                                       for i in range(n)])


def counted(engine, run) -> tuple[int, object]:
    """(statements, result) of ``run()`` after one warm-up call (the model cache)."""
    run()
    with StatementCounter(engine) as counter:
        result = run()
    return counter.statements, result


def test_a_fixed_number_of_statements_per_relation_level(database_url, sections, authors):
    engine = traced_engine(database_url)
    ids = list(authors.values())

    def count_for(n: int) -> int:
        add_articles(engine, ids, n, "n")
        fields = ["title", "author.name", "reviewers.name", "reviewers.email"]
        statements, result = counted(engine, lambda: engine.query_entries("articles", fields=fields, limit=1000))
        assert all(e["author"]["name"] in authors for e in result["entries"])
        return statements

    few = count_for(2)
    many = count_for(40)
    # The pipelined BEGIN and the read's SET LOCAL statement_timeout, the page, its count,
    # and one statement per followed relation.
    assert few == many == 6


def test_filters_on_related_fields(engine, library, authors):
    def titles(filters):
        return sorted(e["title"] for e in engine.query_entries("articles", filters)["entries"])

    assert titles({"author": {"name": {"_eq": "Ada"}}}) == ["first"]
    assert titles({"author": {"name": "Grace"}}) == []
    assert titles({"reviewers": {"_some": {"name": "Grace"}}}) == ["first"]
    assert titles({"reviewers": {"_none": {"name": "Grace"}}}) == ["second"]
    assert titles({"reviewers": {"_some": {"_or": [{"name": "Ada"}, {"name": "Linus"}]}}}) == ["first"]
    assert titles({"author": {"_none": {"name": "Ada"}}}) == ["second"]
    # Operators on the relation itself still work.
    assert titles({"author": {"_eq": authors["Ada"]}}) == ["first"]
    with pytest.raises(InvalidInput, match="unknown field 'nope' in section 'authors'"):
        titles({"author": {"nope": 1}})
    with pytest.raises(InvalidInput, match="_some must be a filter object"):
        titles({"reviewers": {"_some": 3}})


def test_relation_written_by_a_unique_field_of_the_target(engine, sections, authors):
    engine.update_entry("authors", authors["Ada"], {"email": "ada@example.org"})
    engine.update_entry("authors", authors["Grace"], {"email": "grace@example.org"})
    entry = engine.create_entry("articles", {"title": "by email", "author": {"email": "ada@example.org"},
                                             "reviewers": [{"email": "grace@example.org"}, authors["Linus"]]})
    assert entry["author"] == authors["Ada"]
    assert entry["reviewers"] == [authors["Grace"], authors["Linus"]]
    updated = engine.update_entry("articles", entry["id"], {"author": {"name": "Grace"}})
    assert updated["author"] == authors["Grace"]
    batch = engine.create_entries("articles", [{"title": f"b{i}", "author": {"email": "grace@example.org"}}
                                               for i in range(3)])
    assert {e["author"] for e in batch} == {authors["Grace"]}


def test_relation_reference_errors(engine, sections, authors, raw):
    engine.create_entry("authors", {"name": "Ada"})  # a second Ada
    with pytest.raises(InvalidInput, match="field 'author': no entry of section 'authors' has email 'x@y.org'"):
        engine.create_entry("articles", {"title": "a", "author": {"email": "x@y.org"}})
    with pytest.raises(InvalidInput, match="field 'author': 2 entries of section 'authors' have name 'Ada'"):
        engine.create_entry("articles", {"title": "a", "author": {"name": "Ada"}})
    with pytest.raises(InvalidInput, match="item 1: field 'reviewers': no entry"):
        engine.create_entries("articles", [{"title": "ok"}, {"title": "bad", "reviewers": [{"name": "Nobody"}]}])
    with pytest.raises(InvalidInput, match="has no field 'nope'"):
        engine.create_entry("articles", {"title": "a", "author": {"nope": 1}})
    with pytest.raises(InvalidInput, match="names one field"):
        engine.create_entry("articles", {"title": "a", "author": {"name": "Grace", "email": "g@x.org"}})
    assert raw.execute("SELECT count(*) FROM custom.articles").fetchone()[0] == 0


def test_count_modes(engine, sections, raw):
    engine.create_entries("articles", [{"title": f"t{i}", "views": i} for i in range(30)])
    raw.execute("ANALYZE custom.articles")
    exact = engine.query_entries("articles", {"views": {"_gte": 10}}, limit=5)
    assert exact["total_count"] == 20 and exact["count"] == "exact"
    estimated = engine.query_entries("articles", {"views": {"_gte": 10}}, limit=5, count="estimated")
    assert estimated["count"] == "estimated" and isinstance(estimated["total_count"], int)
    assert 10 <= estimated["total_count"] <= 30  # the planner's estimate after ANALYZE
    assert [e["id"] for e in estimated["entries"]] == [e["id"] for e in exact["entries"]]
    none = engine.query_entries("articles", {"views": {"_gte": 10}}, limit=5, count="none")
    assert none["total_count"] is None and none["count"] == "none" and len(none["entries"]) == 5
    with pytest.raises(InvalidInput, match="count must be one of exact, estimated, none"):
        engine.query_entries("articles", count="roughly")
