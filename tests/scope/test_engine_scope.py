"""The engine's section scope (``ContentEngine.scoped``), tested on the engine itself.

The property: a caller scoped to ``articles`` and ``topics`` gets the same answer from two
databases that differ only in the hidden ``people`` section, for every generated filter,
field path, aggregate and write, and no hidden value or field list appears in an answer.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, note, settings

from scope_worlds import (
    HIDDEN_FIELD,
    PEOPLE,
    SERVED,
    TARGET_ARTICLE,
    leaked_markers,
    operations,
    reset_world,
    run_on_engine,
)
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound

MISSING = "section 'people' does not exist"
# The pools' background threads (psycopg_pool's jittered connection ages) may touch the
# global random state while Hypothesis draws; Hypothesis then warns about "random inside
# strategies" (with a very long repr of the strategy). The strategies here use no random.
pytestmark = [pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
              pytest.mark.filterwarnings("ignore:Generating overly large repr")]


@pytest.fixture(scope="module")
def engines(worlds):
    """(unscoped, scoped) engine per world."""
    out = {}
    for variant, url in worlds.items():
        engine = ContentEngine(url)
        engine.install()
        out[variant] = (engine, engine.scoped(SERVED))
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation=operations())
def test_no_value_of_a_hidden_section_reaches_a_scoped_caller(engines, operation):
    kind, args = operation
    note(f"{kind} {args!r}")
    try:
        outcomes = {variant: run_on_engine(scoped, kind, args) for variant, (_, scoped) in engines.items()}
    finally:
        if kind in ("create", "update_one"):
            for plain, _ in engines.values():
                reset_world(plain)
    assert outcomes["A"] == outcomes["B"], "the answer depends on the hidden section's data"
    assert leaked_markers(outcomes["A"]) == []


def test_the_issue_exploits_are_answered_as_a_missing_section(engines):
    plain, scoped = engines["A"]
    for fields in ([" author.secret"], ["\tauthor.*"]):
        assert "Tango" in str(plain.get_entry("articles", TARGET_ARTICLE, fields=fields)), "the unscoped read works"
        with pytest.raises(NotFound) as refused:
            scoped.get_entry("articles", TARGET_ARTICLE, fields=fields)
        assert str(refused.value) == MISSING
    probe = {"author": {"_and": [{"secret": {"_starts_with": "T"}}]}}
    assert plain.query_entries("articles", filters=probe)["total_count"] == 3
    for call in (lambda: scoped.query_entries("articles", filters=probe),
                 lambda: scoped.aggregate_entries("articles", {"count": "*"}, filters=probe),
                 lambda: scoped.update_entries("articles", probe, {"title": "x"}),
                 lambda: scoped.delete_entries("articles", probe)):
        with pytest.raises(NotFound) as refused:
            call()
        assert str(refused.value) == MISSING


def test_a_hidden_section_is_answered_exactly_as_a_missing_one(engines):
    plain, scoped = engines["A"]
    for handle in ("people", "ghosts"):
        with pytest.raises(NotFound) as refused:
            scoped.query_entries(handle)
        assert str(refused.value) == f"section '{handle}' does not exist"
        with pytest.raises(NotFound) as refused:
            scoped.get_section(handle)
        assert str(refused.value) == f"section '{handle}' does not exist"
    hidden_id = plain.get_section("people")["id"]
    with pytest.raises(NotFound) as refused:
        scoped.get_section(hidden_id)
    assert str(refused.value) == f"section '{hidden_id}' does not exist"
    assert [s["handle"] for s in scoped.list_sections()] == ["articles", "topics"]
    assert [s["handle"] for s in plain.list_sections()] == ["articles", "people", "topics"]


def test_served_relations_still_work_and_links_by_id_stay_possible(engines):
    _, scoped = engines["A"]
    found = scoped.query_entries("articles", filters={"topic": {"label": "topic 1"}}, fields=["title", "topic.label"],
                                 order_by="title")
    assert [(e["title"], e["topic"]["label"]) for e in found["entries"]] == [("article 1", "topic 1"),
                                                                            ("article 3", "topic 1")]
    by_id = scoped.query_entries("articles", filters={"author": PEOPLE[1]}, fields=["title", "author"])
    assert by_id["entries"][0]["author"] == PEOPLE[1]
    assert scoped.entries.title_paths("articles") == ["*", "topic.id", "topic.label"]
    titled = scoped.query_entries("articles", filters={"topic": {"_some": {"label": {"_eq": "topic 0"}}}})
    assert titled["total_count"] == 2


def test_schema_changes_cannot_aim_a_relation_at_a_hidden_section(engines):
    plain, scoped = engines["A"]
    articles = scoped.get_section("articles")
    topic = next(f for f in articles["fields"] if f["handle"] == "topic")
    answers = {}
    for target in ("people", "ghosts"):
        with pytest.raises(InvalidInput) as added:
            scoped.add_field(articles["id"], "link", None, "relation", {"targetSection": target})
        with pytest.raises(InvalidInput) as changed:
            scoped.update_field(topic["id"], {"field_settings": {"targetSection": target}})
        answers[target] = (str(added.value).replace(target, "<target>"), str(changed.value).replace(target, "<target>"))
    assert answers["people"] == answers["ghosts"] == (
        "field 'link': relation target section '<target>' does not exist",
        "field 'topic': relation target section '<target>' does not exist")
    assert plain.add_field(articles["id"], "link", None, "relation", {"targetSection": "people"})["handle"] == "link"
    plain.remove_field(articles["id"], "link")
    assert "link" not in [f["handle"] for f in plain.get_section("articles")["fields"]]


def test_an_unknown_field_error_never_lists_a_hidden_sections_fields(engines):
    plain, scoped = engines["A"]
    with pytest.raises(InvalidInput) as listed:
        plain.query_entries("articles", filters={"author": {"nope": "x"}})
    assert HIDDEN_FIELD in str(listed.value), "unscoped, the error lists the target's fields"
    with pytest.raises(NotFound) as refused:
        scoped.query_entries("articles", filters={"author": {"nope": "x"}})
    assert HIDDEN_FIELD not in str(refused.value)


def test_scoped_views_of_one_shared_engine_do_not_restrict_each_other(engines):
    plain, scoped = engines["A"]
    narrow = plain.scoped(["topics"])
    assert narrow.query_entries("topics", fields=["label"])["total_count"] == 2
    with pytest.raises(NotFound):
        narrow.query_entries("articles")
    with pytest.raises(NotFound):
        narrow.query_entries("topics", fields=["label", "owner.name"])
    assert scoped.query_entries("articles")["total_count"] == 4
    assert plain.query_entries("people")["total_count"] == 3
