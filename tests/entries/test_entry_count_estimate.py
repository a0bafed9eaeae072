"""An estimated count never contradicts the page it comes with.

The planner's estimate for a small or never analysed table can be far off (a table with
one row is estimated at well over a hundred); when the page is not full, the exact total
is known without counting, and a full page proves at least that many.
"""

from __future__ import annotations


def test_an_estimate_agrees_with_a_short_page(engine, build, raw):
    build(engine, "notes", [("title", "text", {}, False, False), ("views", "integer", {}, False, False)])
    engine.create_entries("notes", [{"title": f"n{i}", "views": i} for i in range(3)])
    # No ANALYZE: the planner guesses from the table's size on disk.
    guess = raw.execute("EXPLAIN SELECT 1 FROM custom.notes").fetchone()[0]
    assert "rows=3 " not in guess  # the raw estimate is not the truth here
    page = engine.query_entries("notes", count="estimated")
    assert (len(page["entries"]), page["total_count"], page["count"]) == (3, 3, "estimated")
    assert page["total_is_exact"] is True
    nothing = engine.query_entries("notes", {"views": {"_gt": 100}}, count="estimated")
    assert (nothing["entries"], nothing["total_count"]) == ([], 0)
    last = engine.query_entries("notes", limit=2, offset=2, order_by="views", count="estimated")
    assert [e["title"] for e in last["entries"]] == ["n2"] and last["total_count"] == 3


def test_an_estimate_is_at_least_what_a_full_page_shows(engine, build, raw):
    build(engine, "pairs", [("a", "integer", {}, False, False), ("b", "integer", {}, False, False)])
    engine.create_entries("pairs", [{"a": i, "b": i} for i in range(40)])
    raw.execute("ANALYZE custom.pairs")
    # a and b are equal, the planner takes them as independent: it expects about 10 of the 20.
    both = {"_and": [{"a": {"_lt": 20}}, {"b": {"_lt": 20}}]}
    assert engine.query_entries("pairs", both, limit=1, count="exact")["total_count"] == 20
    page = engine.query_entries("pairs", both, limit=5, offset=12, order_by="a", count="estimated")
    assert [e["a"] for e in page["entries"]] == [12, 13, 14, 15, 16]
    assert page["total_count"] >= 17 and page["total_is_exact"] is False
    assert engine.query_entries("pairs", both, limit=5, count="exact")["total_is_exact"] is True
    assert engine.query_entries("pairs", both, count="none")["total_is_exact"] is False
