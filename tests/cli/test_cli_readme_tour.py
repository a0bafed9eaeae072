"""The README's command-line tour runs as written, top to bottom, on a fresh database.

A new user copies that block line by line; each command must succeed in that order.
`ID` stands for the id the tour's `entries create` printed; `demo` has its own test
(it creates `research_companies` itself on a named database).
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARKER = "<!-- cli-tour -->"


def tour_commands() -> list[list[str]]:
    """The block after the marker as argument lists (continuations joined, comments cut)."""
    block = README.split(MARKER, 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "polysynergy-content", line
            commands.append(words[1:])
    return commands


def test_the_tour_is_plain_commands():
    commands = tour_commands()
    assert len(commands) >= 20
    for words in commands:
        shorthand = [w for w in words if w == "|" or re.match(r"\[--?[a-z]", w)]
        assert not shorthand, f"shorthand, not a command: {' '.join(words)}"


def test_readme_cli_tour_runs_in_order(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "companies.csv").write_text(
        "company_name,uses_kubernetes,industry\nNimbus Hosting,yes,Cloud Hosting\nPolder Bank,no,Finance\n",
        encoding="utf-8")
    entry_id = None
    for words in tour_commands():
        if words[0] == "demo":
            continue
        if "ID" in words:
            assert entry_id, f"{words}: no entry was created before"
            words = [entry_id if w == "ID" else w for w in words]
        prompts = "y\n" if words[:2] in (["migrations", "apply"], ["migrations", "rollback"]) else None
        if words[:2] == ["entries", "create"]:
            entry_id = run.json(*words)["entry"]["id"]
        else:
            run(*words, input=prompts)
    exported = (tmp_path / "companies.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["company_name"] for line in exported) == ["Nimbus Hosting", "SWIS"]
    shown = run.json("sections", "show", "research_companies")["section"]
    assert shown["title_field_handle"] == "company_name"
    assert [f["handle"] for f in shown["fields"]] == ["company_name", "uses_kubernetes", "industry"]


def test_readme_installs_come_from_the_checkout_with_extras_that_exist():
    """The pack is not on PyPI: every `pip install` of it in the README installs this checkout."""
    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"])
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    installs = [line for block in blocks for line in block.splitlines() if "pip install" in line]
    assert len(installs) >= 3
    for line in installs:
        words = shlex.split(line.split("pip install", 1)[1], comments=True)
        targets = [w for w in words if not w.startswith("-") or w == "-e"]
        target = targets[targets.index("-e") + 1] if "-e" in targets else targets[0]
        assert target.startswith((".", "/")), f"not this checkout: {line}"
        named = re.search(r"\[(.*)\]", target)
        assert not named or set(named.group(1).split(",")) <= extras, f"unknown extra: {line}"
