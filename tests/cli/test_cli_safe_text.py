"""User text reaches the terminal escaped: ESC and other control characters, C1 and bidi
controls as \\uXXXX, rich markup printed as text (never a crash, a style or a link).
Through the real CLI, in-process and in a subprocess (no click test runner in between)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

EVIL = ("Evil \x1b[2J\x1b]0;pwned\x07 [/bold] [link=https://evil.example]click[/link] "
        "\u202egnp.exe\u2066 \x85\x9b31m end")
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\x85", "\x9b")
ESCAPED = ("\\u001b[2J", "\\u0007", "\\u202e", "\\u2066", "\\u0085", "\\u009b")


def _assert_safe(text: str, folded: bool = False) -> None:
    """No raw control reached ``text``; their escapes and the markup are there as text
    (``folded``: a table cell wraps long text, so look for the short pieces)."""
    for raw in RAW:
        assert raw not in text, f"{raw!r} reached the terminal:\n{text!r}"
    for escaped in ESCAPED[1:] if folded else ESCAPED:
        assert escaped in text, f"{escaped} missing:\n{text!r}"
    wanted = ("[/bold]", "[link=", "[/link]") if folded else ("[/bold] [link=https://evil.example]click[/link]",)
    assert all(piece in text for piece in wanted), text  # markup shown as text


def test_labels_values_and_sql_review_are_shown_escaped(run):
    _assert_safe(run("sections", "create", "evil", "--label", EVIL).stdout)
    _assert_safe(run("sections", "show", "evil").stdout)
    _assert_safe(run("sections", "list").stdout, folded=True)
    run("fields", "add", "evil", "title", "-t", "text", "--label", EVIL)
    run("fields", "add", "evil", "status", "-t", "select", "--settings", json.dumps({"options": [EVIL, "plain"]}))
    _assert_safe(run("sections", "show", "evil").stdout)
    _assert_safe(run("migrations", "plan", "evil").stdout)
    run("migrations", "apply", "evil", "--yes")
    created = run("entries", "create", "evil", json.dumps({"title": EVIL, "status": EVIL}))
    _assert_safe(created.stdout, folded=True)
    _assert_safe(run("entries", "query", "evil").stdout, folded=True)
    _assert_safe(run("sections", "diagram", "evil").stdout)


def test_errors_are_shown_escaped_and_json_keeps_the_value(run):
    failed = run("sections", "show", EVIL, expect=2)
    _assert_safe(failed.stderr)
    run("sections", "create", "evil", "--label", EVIL)
    out = run("--json", "sections", "show", "evil").stdout
    assert not any(raw in out for raw in RAW)  # C0 by json, DEL, C1 and bidi as \\u escapes
    assert json.loads(out)["section"]["label"] == EVIL  # the same value, exactly


def test_migrations_plan_in_a_subprocess_writes_no_escape_sequence(database_url, run):
    run("sections", "create", "evil", "--label", EVIL)
    run("fields", "add", "evil", "note", "-t", "text", "--label", EVIL, "--help-text", EVIL)
    env = dict(os.environ)
    for name in ("SECTIONS_DATABASE_URL", "DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "polysynergy_nodes_content", "--database-url", database_url,
                           "migrations", "plan", "evil"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "\x1b" not in text and "\u202e" not in text and "\x85" not in text
    assert "CREATE TABLE" in text
