"""JSON nested deeper than can be walked is bad input (exit 2, "nested too deeply"),
not a RecursionError traceback."""

from __future__ import annotations

DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_arguments_exit_2_with_a_message(run, companies):
    failed = run("entries", "create", companies, DEEP, expect=2)
    assert "Invalid input: data: nested too deeply" in failed.stderr and "Traceback" not in failed.stderr
    error = run.json("entries", "query", companies, "--filter", DEEP, expect=2)["error"]
    assert error["type"] == "NestedTooDeeply" and error["field"] == "filter" and error["exit_code"] == 2
    nested_filter = '{"_and": [' * 50_000 + "{}" + "]}" * 50_000
    assert "nested too deeply" in run("entries", "query", companies, "--filter", nested_filter, expect=2).stderr
    assert run.json("entries", "query", companies)["total_count"] == 0


def test_a_value_the_parser_accepts_but_the_engine_cannot_walk_exits_2(run):
    run("sections", "create", "things")
    run("fields", "add", "things", "meta", "-t", "json")
    run("migrations", "plan", "things")
    run("migrations", "apply", "things", "--yes")
    value = '{"meta": ' + "[" * 900 + "]" * 900 + "}"  # json.loads takes it; walking it recurses too deep
    failed = run("entries", "create", "things", value, expect=2)
    assert "Invalid input: nested too deeply" in failed.stderr and "Traceback" not in failed.stderr
    assert run.json("entries", "query", "things")["total_count"] == 0
