"""Each lint rule on its own: the operation it catches, the finding it gives, and what it leaves alone.

Operations come from the pure diff on snapshots built in Python; pre-check counts are set
by hand where a real run would count them, so no database is needed.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from planning_helpers import field, live_table, plan, section, snapshot

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.migrations import lint
from polysynergy_nodes_content.content_engine.migrations.lint import RULES, lint_operations, rule_named

DOCS = Path(__file__).resolve().parents[2] / "docs" / "migration-lint-rules.md"
TITLE = field("title", settings={"maxLength": 120})
CODE = field("code")
SEC = section()


def ops_for(fields, live_fields=None, populated=True, counts=None, **kwargs):
    """Plan, set every measured pre-check to ``counts`` (or leave it), lint, return the operations."""
    live = live_table(SEC, live_fields) if live_fields is not None else None
    ops = plan(snapshot(kwargs.pop("sec", SEC), fields, live, populated=populated, **kwargs))
    for op in ops:
        for check, _ in op.measures:
            check.count = counts
    lint_operations(ops)
    return ops


def findings(ops, rule):
    return [(f.severity, f.message) for op in ops for f in op.lint if f.rule == rule]


def renamed_title():
    return field("headline", settings={"maxLength": 120}, field_id=TITLE["id"])


CASES = {
    # rule: (operations that trigger it, operations that must not, severity, words of the message)
    "rollback-archives-table": (lambda: ops_for([TITLE], populated=False), lambda: ops_for([TITLE], [TITLE]),
                                "info", "content_archive"),
    "renaming-table": (lambda: ops_for([TITLE], [TITLE], sec=section("posts")), lambda: ops_for([TITLE], [TITLE]),
                       "warning", "custom.articles"),
    "ban-drop-table": (lambda: ops_for([TITLE], [TITLE], counts=7, sec=section(active=False)),
                       lambda: ops_for([TITLE], [TITLE]), "warning", "7 row(s)"),
    "ban-drop-column": (lambda: ops_for([TITLE], [TITLE, CODE], counts=4), lambda: ops_for([TITLE, CODE], [TITLE]),
                        "warning", "4 value(s)"),
    "adding-required-field": (lambda: ops_for([TITLE, field("n", "integer", required=True)], [TITLE], counts=3),
                              lambda: ops_for([TITLE, field("n", "integer", required=True, default=0)], [TITLE]),
                              "error", "3 row(s) have no value for 'n'"),
    "adding-not-nullable-field": (
        lambda: ops_for([field("title", settings={"maxLength": 120}, required=True)], [TITLE], counts=2),
        lambda: ops_for([field("title", settings={"maxLength": 120}, required=True)], [TITLE], counts=0),
        "error", "2 row(s) have no value for 'title'"),
    "constraint-violation": (
        lambda: ops_for([field("title", settings={"maxLength": 120, "minLength": 2})], [TITLE], counts=5),
        lambda: ops_for([field("title", settings={"maxLength": 120, "minLength": 2})], [TITLE], counts=0),
        "error", "5 row(s) break the rule"),
    "disallowed-unique-constraint": (lambda: ops_for([field("code", unique=True)], [CODE], counts=6),
                                     lambda: ops_for([field("code", unique=True)], [CODE], counts=0),
                                     "error", "6 row(s) duplicate another value"),
    "adding-foreign-key-constraint": (
        lambda: ops_for([field("owner", "relation", {"targetSection": "teams"})],
                        [field("owner", "relation", {"targetSection": "people"})], counts=1,
                        targets={"people": "people", "teams": "teams"}),
        lambda: ops_for([field("owner", "relation", {"targetSection": "people"})], [], targets={"people": "people"}),
        "error", "1 row(s) point nowhere"),
    "changing-column-type": (
        lambda: ops_for([field("n", "integer")], [field("n", "text")], counts=8, applied_fields=[field("n", "text")]),
        lambda: ops_for([field("n", "text")], [field("n", "text")]),
        "error", "8 row(s) do not convert"),
    "lossy-rollback": (
        lambda: ops_for([field("d", "text")], [field("d", "datetime")], applied_fields=[field("d", "datetime")]),
        lambda: ops_for([field("n", "integer")], [field("n", "text")], applied_fields=[field("n", "text")]),
        "info", "text cast"),
    "renaming-column": (lambda: ops_for([renamed_title()], [TITLE], applied_fields=[TITLE]),
                        lambda: ops_for([TITLE], [TITLE]), "warning", "'title'"),
    "dropping-not-null": (lambda: ops_for([TITLE], [field("title", settings={"maxLength": 120}, required=True)]),
                          lambda: ops_for([TITLE], [TITLE]), "info", "NULL"),
    "dropping-constraint": (
        lambda: ops_for([field("owner", "relation", {"targetSection": "teams"})],
                        [field("owner", "relation", {"targetSection": "people"})],
                        targets={"people": "people", "teams": "teams"}),
        lambda: ops_for([field("code")], [field("code", unique=True)]),
        "info", "is removed"),
}


def test_every_rule_has_a_case_and_every_rule_module_is_listed():
    modules = {m.name for m in pkgutil.iter_modules([str(Path(lint.__file__).parent / "hazards")])}
    listed = {importlib.import_module(type(r).__module__).__name__.rsplit(".", 1)[1] for r in RULES}
    assert modules == listed
    assert {r.name for r in RULES} == set(CASES)
    assert len({r.name for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_catches_its_case_and_nothing_else(rule):
    catches, leaves, severity, words = CASES[rule]
    found = findings(catches(), rule)
    assert any(s == severity and words in message for s, message in found), found
    assert findings(leaves(), rule) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_explains_itself(rule):
    assert rule.name == rule.name.lower() and " " not in rule.name
    for text in (rule.catches, rule.why, rule.fix):
        assert len(text) > 20 and text.endswith(".")
    assert rule_named(rule.name) is rule


def test_the_rules_document_describes_every_rule():
    text = DOCS.read_text()
    for rule in RULES:
        assert f"`{rule.name}`" in text, rule.name
        assert rule.catches in text and rule.why in text and rule.fix in text, rule.name


def test_cli_lists_the_rules_without_a_database():
    runner = CliRunner()
    listed = runner.invoke(cli, ["--json", "migrations", "rules"], catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    import json

    rules = json.loads(listed.stdout)["rules"]
    assert [r["name"] for r in rules] == [r.name for r in RULES]
    assert rules[0].keys() == {"name", "catches", "why", "fix"}
    one = runner.invoke(cli, ["migrations", "rules", "ban-drop-column"], catch_exceptions=False)
    assert one.exit_code == 0 and "why:" in one.stdout and "archives the values" in one.stdout
    missing = runner.invoke(cli, ["migrations", "rules", "no-such-rule"])
    assert missing.exit_code != 0 and "no lint rule named 'no-such-rule'" in missing.stderr
