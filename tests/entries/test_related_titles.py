"""related_titles: the titles of related entries beside a listing whose relations stay ids,
from the CLI's own title expansion, at a fixed number of statements per relation."""

from __future__ import annotations

import pytest
from test_entry_fields import StatementCounter, add_articles, counted, traced_engine

from polysynergy_nodes_content.content_engine.descriptors.related_titles import get_with_titles, query_with_titles


@pytest.fixture
def titled(engine, sections, authors):
    engine.update_section("authors", {"title_field_handle": "name"})
    return authors


def test_titles_beside_unchanged_entries(engine, titled):
    ada, grace, linus = titled["Ada"], titled["Grace"], titled["Linus"]
    engine.create_entry("articles", {"title": "first", "author": ada, "reviewers": [linus, grace]})
    engine.create_entry("articles", {"title": "second"})
    plain = engine.query_entries("articles", order_by="title")
    page = query_with_titles(engine, "articles", order_by="title")
    assert page["entries"] == plain["entries"], "relations stay ids, every key as without titles"
    assert page["total_count"] == 2
    assert page["related_titles"] == {"author": {ada: "Ada"}, "reviewers": {linus: "Linus", grace: "Grace"}}

    entry, titles = get_with_titles(engine, "articles", plain["entries"][0]["id"])
    assert entry == engine.get_entry("articles", plain["entries"][0]["id"])
    assert titles == {"author": {ada: "Ada"}, "reviewers": {linus: "Linus", grace: "Grace"}}


def test_no_title_field_no_titles_and_explicit_fields_untouched(engine, sections, authors):
    engine.create_entry("articles", {"title": "first", "author": authors["Ada"]})
    page = query_with_titles(engine, "articles")
    assert page["related_titles"] == {} and page["entries"] == engine.query_entries("articles")["entries"]
    asked = query_with_titles(engine, "articles", fields=["title", "author.name"])
    assert asked["entries"][0]["author"]["name"] == "Ada" and asked["related_titles"] == {}


def test_a_relation_the_caller_may_not_follow_gets_no_titles(engine, titled):
    engine.create_entry("articles", {"title": "first", "author": titled["Ada"], "reviewers": [titled["Grace"]]})
    page = query_with_titles(engine, "articles", lambda path: not path.startswith("reviewers."))
    assert page["related_titles"] == {"author": {titled["Ada"]: "Ada"}}
    assert page["entries"][0]["reviewers"] == [titled["Grace"]]


def test_statements_do_not_grow_with_the_entries(database_url, sections, titled):
    engine = traced_engine(database_url)
    ids = list(titled.values())

    def count_for(n: int) -> int:
        add_articles(engine, ids, n, "n")
        statements, page = counted(engine, lambda: query_with_titles(engine, "articles", limit=1000))
        assert len(page["entries"]) == len(engine.query_entries("articles", limit=1000)["entries"])
        names = {i: name for name, i in titled.items()}
        assert page["related_titles"]["author"] == {ids[i % 3]: names[ids[i % 3]] for i in range(n)}
        return statements

    few = count_for(2)
    many = count_for(40)
    assert few == many, (few, many)
    # The plain listing reads the junction once too: titles add one statement (the author
    # lookup) in a read transaction of its own (its BEGIN pipelined with its SET LOCAL
    # statement_timeout: one round trip).
    with StatementCounter(engine) as plain:
        engine.query_entries("articles", limit=1000)
    assert many == plain.statements + 3, (many, plain.statements)


def test_guess_title_names_entries_of_a_section_without_a_configured_title(engine, sections, authors):
    from polysynergy_nodes_content.content_engine.descriptors.related_titles import (
        title_field,
        title_paths,
        titles_by_id,
    )

    ada, grace = authors["Ada"], authors["Grace"]
    engine.create_entry("articles", {"title": "first", "author": ada, "reviewers": [grace, ada]})
    assert title_field(engine, "authors") is None
    assert title_field(engine, "authors", guess_title=True) == "name", "the first text-like field"
    assert title_paths(engine, "articles") == ["*"]
    page = query_with_titles(engine, "articles", guess_title=True)
    assert page["entries"] == engine.query_entries("articles")["entries"]
    assert page["related_titles"] == {"author": {ada: "Ada"}, "reviewers": {grace: "Grace", ada: "Ada"}}
    entry, titles = get_with_titles(engine, "articles", page["entries"][0]["id"], guess_title=True)
    assert entry["author"] == ada and titles["author"] == {ada: "Ada"}
    assert titles_by_id(engine, "authors", [ada, grace, ada]) == {}
    assert titles_by_id(engine, "authors", [ada, grace, "00000000-0000-0000-0000-000000000000"],
                        guess_title=True) == {ada: "Ada", grace: "Grace"}

    engine.update_section("authors", {"title_field_handle": "email"})
    engine.update_entry("authors", ada, {"email": "ada@example.org"})
    for guess in (False, True):
        assert title_field(engine, "authors", guess_title=guess) == "email", "a configured title wins"
        page = query_with_titles(engine, "articles", guess_title=guess)
        assert page["related_titles"]["author"] == {ada: "ada@example.org"}
        assert page["related_titles"]["reviewers"] == {grace: None, ada: "ada@example.org"}, "empty title: None"
        assert titles_by_id(engine, "authors", [ada, grace], guess_title=guess) == {ada: "ada@example.org",
                                                                                   grace: None}


def test_guessed_titles_take_one_statement_per_relation_whatever_the_page(database_url, sections, authors):
    engine = traced_engine(database_url)
    ids = list(authors.values())

    def count_for(n: int) -> int:
        add_articles(engine, ids, n, "g", reviewers=1)
        statements, page = counted(engine, lambda: query_with_titles(engine, "articles", guess_title=True,
                                                                     limit=1000))
        assert len(page["related_titles"]["author"]) == min(n, 3)
        return statements

    assert count_for(2) == count_for(40)
