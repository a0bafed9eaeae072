"""aggregate_entries: count, countDistinct, sum, avg, min, max on real columns, grouped,
with the query filters (related fields included)."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput


@pytest.fixture
def priced(engine, sections, authors):
    rows = [("a", "draft", 1, "1.50", authors["Ada"]), ("b", "draft", 3, "2.25", authors["Ada"]),
            ("c", "published", 5, "10.00", authors["Grace"]), ("d", "published", 7, None, None),
            ("e", None, 9, "0.25", None)]
    engine.create_entries("articles", [{"title": t, "status": s, "views": v, "price": p, "author": a}
                                       for t, s, v, p, a in rows])


def test_totals_without_groups(engine, priced):
    result = engine.aggregate_entries("articles", {"count": "*", "sum": ["views", "price"], "avg": "views",
                                                   "min": ["price", "title"], "max": ["views"],
                                                   "countDistinct": ["status"]})
    assert result["group_by"] == []
    assert result["groups"] == [{"count": 5, "sum": {"views": 25, "price": "14.00"}, "avg": {"views": 5.0},
                                 "min": {"price": "0.25", "title": "a"}, "max": {"views": 9},
                                 "countDistinct": {"status": 2}}]


def test_grouped_and_filtered(engine, priced):
    result = engine.aggregate_entries("articles", {"count": "*", "sum": ["price"]}, group_by=["status"],
                                      filters={"views": {"_gt": 1}})
    assert result["groups"] == [
        {"group": {"status": "draft"}, "count": 1, "sum": {"price": "2.25"}},
        {"group": {"status": "published"}, "count": 2, "sum": {"price": "10.00"}},
        {"group": {"status": None}, "count": 1, "sum": {"price": "0.25"}},
    ]
    by_author = engine.aggregate_entries("articles", {"count": "*"}, filters={"author": {"name": "Ada"}})
    assert by_author["groups"] == [{"count": 2}]
    assert engine.aggregate_entries("articles", {"count": ["price"]})["groups"] == [{"count": {"price": 4}}]


@pytest.mark.parametrize("aggregates, group_by, message", [
    ({"sum": ["title"]}, None, "'title' is not a number field"),
    ({"avg": ["nope"]}, None, "unknown field 'nope'"),
    ({"median": ["views"]}, None, "unknown function 'median'"),
    ({"count": "*"}, ["reviewers"], "multiple relation"),
    ({"max": ["meta"]}, None, "has no order"),
    ({}, None, "aggregates must be an object"),
    ({"count": "*"}, ["meta"], "cannot be grouped"),
])
def test_bad_aggregates_name_the_problem(engine, priced, aggregates, group_by, message):
    with pytest.raises(InvalidInput, match=message):
        engine.aggregate_entries("articles", aggregates, group_by=group_by)
