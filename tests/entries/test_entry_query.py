"""The query language: Directus-style filters, order_by, limit/offset, total_count."""

from __future__ import annotations

import json

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput

ROWS = [
    {"title": "Alpha", "views": 10, "rating": 1.5, "price": "5.00", "published": True, "status": "draft",
     "publish_date": "2024-01-01", "tags": ["news"], "meta": {"k": 1}, "contact": "a@x.org", "body": "100% sure"},
    {"title": "beta", "views": 20, "rating": 2.5, "price": "15.00", "published": False, "status": "published",
     "publish_date": "2024-02-01", "tags": ["news", "tech"], "meta": {"k": 2}, "contact": "b@y.org", "body": "a_b"},
    {"title": "Gamma", "views": 30, "rating": 3.5, "price": "25.00", "published": True, "status": "published",
     "publish_date": "2024-03-01", "tags": ["sport"], "meta": {"k": 1, "x": True}, "body": "plain"},
    {"title": "delta", "views": None, "published": None, "status": None, "body": None},
]


@pytest.fixture
def data(engine, sections):
    return engine.create_entries("articles", ROWS)


def titles(engine, filters=None, order_by="title", **kw):
    return [e["title"] for e in engine.query_entries("articles", filters, order_by, **kw)["entries"]]


@pytest.mark.parametrize("filters, expected", [
    ({"views": 10}, ["Alpha"]),
    ({"views": {"_eq": 20}}, ["beta"]),
    ({"views": {"_neq": 20}}, ["Alpha", "delta", "Gamma"]),  # NULL is "not 20"
    ({"views": {"_lt": 20}}, ["Alpha"]),
    ({"views": {"_lte": 20}}, ["Alpha", "beta"]),
    ({"views": {"_gt": 20}}, ["Gamma"]),
    ({"views": {"_gte": 20}}, ["beta", "Gamma"]),
    ({"views": {"_in": [10, 30]}}, ["Alpha", "Gamma"]),
    ({"views": {"_nin": [10, 30]}}, ["beta", "delta"]),
    ({"views": {"_null": True}}, ["delta"]),
    ({"views": {"_nnull": True}}, ["Alpha", "beta", "Gamma"]),
    ({"views": {"_between": [15, 30]}}, ["beta", "Gamma"]),
    ({"views": {"_gt": 5, "_lt": 25}}, ["Alpha", "beta"]),
    ({"rating": {"_gte": 2.5}}, ["beta", "Gamma"]),
    ({"price": {"_between": ["10", "20.00"]}}, ["beta"]),
    ({"published": True}, ["Alpha", "Gamma"]),
    ({"published": {"_neq": True}}, ["beta", "delta"]),
    ({"status": {"_in": ["draft", "published"]}}, ["Alpha", "beta", "Gamma"]),
    ({"publish_date": {"_gte": "2024-02-01"}}, ["beta", "Gamma"]),
    ({"publish_date": {"_between": ["2024-01-15", "2024-02-15"]}}, ["beta"]),
    ({"title": {"_contains": "amm"}}, ["Gamma"]),
    ({"title": {"_contains": "AMM"}}, []),
    ({"title": {"_icontains": "AMM"}}, ["Gamma"]),
    ({"title": {"_starts_with": "Al"}}, ["Alpha"]),
    ({"title": {"_ends_with": "ta"}}, ["beta", "delta"]),
    ({"body": {"_contains": "%"}}, ["Alpha"]),  # wildcards are literal
    ({"body": {"_contains": "_"}}, ["beta"]),
    ({"contact": {"_ends_with": ".org"}}, ["Alpha", "beta"]),
    ({"tags": {"_contains": "news"}}, ["Alpha", "beta"]),
    ({"tags": {"_contains": ["news", "tech"]}}, ["beta"]),
    ({"tags": {"_in": ["tech", "sport"]}}, ["beta", "Gamma"]),
    ({"meta": {"_contains": {"k": 1}}}, ["Alpha", "Gamma"]),
    ({"_or": [{"views": 10}, {"status": {"_null": True}}]}, ["Alpha", "delta"]),
    ({"_and": [{"published": True}, {"views": {"_gt": 10}}]}, ["Gamma"]),
    ({"_or": [{"_and": [{"published": True}, {"views": {"_gt": 10}}]}, {"title": "beta"}]}, ["beta", "Gamma"]),
    ({"published": True, "_or": [{"views": 10}, {"views": 30}]}, ["Alpha", "Gamma"]),
    ({}, ["Alpha", "beta", "delta", "Gamma"]),
    (None, ["Alpha", "beta", "delta", "Gamma"]),
])
def test_filter_operators(engine, data, filters, expected):
    result = titles(engine, filters, "views NULLS LAST, title")
    assert sorted(result, key=str.lower) == sorted(expected, key=str.lower)


def test_filters_as_json_string(engine, data):
    assert titles(engine, json.dumps({"views": {"_gt": 15}})) == ["Gamma", "beta"]


@pytest.mark.parametrize("filters, message", [
    ({"published": {"_gt": True}}, "operator '_gt' is not supported on Boolean"),
    ({"status": {"_contains": "dr"}}, "not supported"),
    ({"meta": {"_lt": 1}}, "not supported"),
    ({"views": {"_contains": "1"}}, "not supported"),
    ({"views": {"_like": 1}}, "'_like' is not supported"),
    ({"views": {"eq": 1}}, "is not an operator"),
    ({"views": {"_in": 5}}, "list"),
    ({"views": {"_between": [1]}}, "two values"),
    ({"views": {"_null": "yes"}}, "true or false"),
    ({"views": {"_eq": "ten"}}, "'views'"),
    ({"nope": 1}, "unknown field 'nope'"),
    ({"_not": [{"views": 1}]}, "unknown filter operator '_not'"),
    ({"_or": {"views": 1}}, "non-empty list"),
    ({"_or": []}, "non-empty list"),
    ({"_and": [1]}, "filter object"),
    ([{"views": 1}], "JSON object"),
    ("{not json", "not valid JSON"),
    ({"views": {}}, "empty condition"),
])
def test_invalid_filters(engine, data, filters, message):
    with pytest.raises(InvalidInput, match=message) as info:
        engine.query_entries("articles", filters)
    assert info.value.field


def test_deep_nesting_is_limited(engine, data):
    node = {"views": 1}
    for _ in range(20):
        node = {"_and": [node]}
    with pytest.raises(InvalidInput, match="nested too deeply"):
        engine.query_entries("articles", node)


def test_system_columns_filter_and_order(engine, data):
    everything = engine.query_entries("articles", None, "created_at, id")["entries"]
    first = everything[0]
    assert titles(engine, {"id": first["id"]}) == [first["title"]]
    assert titles(engine, {"id": {"_in": [e["id"] for e in everything[:2]]}}) == sorted(
        [e["title"] for e in everything[:2]])
    assert len(titles(engine, {"created_at": {"_lte": first["created_at"]}})) == 4
    assert titles(engine, {"updated_at": {"_gt": "2100-01-01T00:00:00Z"}}) == []
    ids = [e["id"] for e in engine.query_entries("articles", None, "id DESC")["entries"]]
    assert ids == sorted(ids, reverse=True)
    with pytest.raises(InvalidInput, match="'id'"):
        engine.query_entries("articles", {"id": "not-a-uuid"})


def test_order_by(engine, data):
    assert titles(engine, None, "views") == ["Alpha", "beta", "Gamma", "delta"]  # NULLs last on ASC
    assert titles(engine, None, "views DESC") == ["delta", "Gamma", "beta", "Alpha"]
    assert titles(engine, None, "views desc nulls last") == ["Gamma", "beta", "Alpha", "delta"]
    assert titles(engine, None, "published DESC, views ASC") == ["delta", "Alpha", "Gamma", "beta"]
    assert titles(engine, None, ["status", "views DESC"]) == ["Alpha", "Gamma", "beta", "delta"]
    # Default: newest first (all four share a created_at in one batch; id breaks ties).
    assert len(titles(engine, None, None)) == 4


@pytest.mark.parametrize("order_by, message", [
    ("nope", "unknown field 'nope'"),
    ("title SIDEWAYS", "invalid"),
    ("reviewers", "multiple relation"),
    ("title,", "invalid"),
    (5, "order_by must be a string"),
    (",".join(["title"] * 11), "at most 10"),
])
def test_invalid_order_by(engine, data, order_by, message):
    with pytest.raises(InvalidInput, match=message) as info:
        engine.query_entries("articles", None, order_by)
    assert info.value.field == "order_by"


def test_limit_offset_and_total_count(engine, data):
    page = engine.query_entries("articles", {"views": {"_nnull": True}}, "views", limit=2)
    assert [e["title"] for e in page["entries"]] == ["Alpha", "beta"]
    assert page["total_count"] == 3 and page["limit"] == 2 and page["offset"] == 0
    page2 = engine.query_entries("articles", {"views": {"_nnull": True}}, "views", limit=2, offset=2)
    assert [e["title"] for e in page2["entries"]] == ["Gamma"] and page2["total_count"] == 3
    past = engine.query_entries("articles", None, None, limit=2, offset=10)
    assert past["entries"] == [] and past["total_count"] == 4
    assert engine.query_entries("articles", None, None, limit="3")["limit"] == 3


def test_default_and_maximum_limit(engine, sections):
    engine.create_entries("articles", [{"title": f"t{i:03d}"} for i in range(60)])
    result = engine.query_entries("articles")
    assert result["limit"] == 50 and len(result["entries"]) == 50 and result["total_count"] == 60
    assert len(engine.query_entries("articles", limit=1000)["entries"]) == 60


@pytest.mark.parametrize("limit, offset, field", [
    (0, 0, "limit"), (1001, 0, "limit"), (-1, 0, "limit"), ("ten", 0, "limit"), (True, 0, "limit"),
    (2.5, 0, "limit"), (10, -1, "offset"), (10, "x", "offset"),
])
def test_invalid_paging(engine, data, limit, offset, field):
    with pytest.raises(InvalidInput, match=field) as info:
        engine.query_entries("articles", None, None, limit=limit, offset=offset)
    assert info.value.field == field


def test_results_are_json_safe(engine, data):
    result = engine.query_entries("articles", None, "title")
    text = json.dumps(result)
    assert json.loads(text) == result
    alpha = result["entries"][0]
    assert alpha["price"] == "5.00" and alpha["publish_date"] == "2024-01-01"
    assert {"id", "created_at", "updated_at"} <= set(alpha)
