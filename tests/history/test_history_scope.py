"""A view confined to some sections (``engine.scoped``, the MCP server's ``--sections``)
reads, restores and undoes history only inside them: a section outside gets the answer a
missing one gets, and a run that touched one outside is a run that does not exist."""

from __future__ import annotations

import pytest
from history_helpers import apply

from polysynergy_nodes_content.content_engine.errors import NotFound


@pytest.fixture
def hidden(engine, notes):
    section = engine.create_section("secrets", "Secrets")
    engine.add_field(section["id"], "title", "Title", "text")
    apply(engine, section["id"])
    return engine.create_entry("secrets", {"title": "classified"})


def message(call) -> str:
    with pytest.raises(NotFound) as caught:
        call()
    return str(caught.value)


def test_history_reads_and_restores_of_a_hidden_section_answer_as_missing(engine, hidden):
    view = engine.scoped(["notes"])
    engine.update_entry("secrets", hidden["id"], {"title": "changed"})
    version = engine.entry_history("secrets", hidden["id"])["versions"][-1]["version"]
    for call, missing in (
            (lambda: view.entry_history("secrets", hidden["id"]), lambda: view.entry_history("nowhere", hidden["id"])),
            (lambda: view.get_entry("secrets", hidden["id"], as_of="2100-01-01T00:00:00Z"),
             lambda: view.get_entry("nowhere", hidden["id"], as_of="2100-01-01T00:00:00Z")),
            (lambda: view.restore_entry("secrets", hidden["id"], version),
             lambda: view.restore_entry("nowhere", hidden["id"], version))):
        assert message(call) == message(missing).replace("nowhere", "secrets")
    assert engine.get_entry("secrets", hidden["id"])["title"] == "changed"  # nothing restored


def test_a_run_that_touched_a_hidden_section_is_missing_to_the_view(engine, hidden):
    view = engine.scoped(["notes"])
    mixed = engine.with_context(run_id="run-mixed")
    note = mixed.create_entry("notes", {"title": "visible"})
    mixed.update_entry("secrets", hidden["id"], {"title": "overwritten"})
    missing = message(lambda: view.undo_run("run-nowhere"))
    for confirm in (False, True):
        assert message(lambda: view.undo_run("run-mixed", confirm=confirm, force=True)) == missing.replace(
            "run-nowhere", "run-mixed")
    assert view.run_changes("run-mixed")["changes"] == []
    assert engine.get_entry("secrets", hidden["id"])["title"] == "overwritten"  # nothing undone
    assert engine.get_entry("notes", note["id"])["title"] == "visible"
    # A run inside the view's sections is the view's to undo.
    only_notes = view.create_entry("notes", {"title": "mine"}).run_id
    assert [c["section"] for c in view.run_changes(only_notes)["changes"]] == ["notes"]
    assert view.undo_run(only_notes, confirm=True)["reverted"] == 1
