"""The migration seal as a pure function (no database): every sealed part, the key and the
stored checksum decide the verdict. Fast, so mutation testing can run it per mutant."""

from __future__ import annotations

import copy
import uuid

import pytest

from polysynergy_nodes_content.content_engine.errors import Refused
from polysynergy_nodes_content.content_engine.migrations.seal import SEALED_FIELDS, TamperedMigration, seal, verify

KEY = b"k" * 32


def record() -> dict:
    return {
        "id": uuid.UUID("11111111-1111-4111-8111-111111111111"),
        "section_id": uuid.UUID("22222222-2222-4222-8222-222222222222"),
        "version": 3, "migration_sql": "ALTER TABLE custom.t ADD COLUMN x text;", "down_sql": "ALTER ...;",
        "steps": [{"sql": "ALTER TABLE custom.t ADD COLUMN x text", "phase": "main"}],
        "down_steps": [{"sql": "ALTER TABLE custom.t DROP COLUMN x", "phase": "main"}],
        "prechecks": [{"query": "SELECT 0", "blocking": True}], "operations": [{"kind": "add_column"}],
        "is_destructive": False, "is_reversible": True, "schema_fingerprint": "f" * 64,
        "from_state": {"config_version": 1}, "to_state": {"config_version": 2}, "config_version": 2,
        "status": "generated", "progress": None,
    }


def sealed() -> dict:
    r = record()
    r["checksum"] = seal(KEY, r)
    return r


CHANGES = {
    "id": uuid.UUID("33333333-3333-4333-8333-333333333333"),
    "section_id": uuid.UUID("44444444-4444-4444-8444-444444444444"),
    "version": 4, "migration_sql": "DROP TABLE custom.t;", "down_sql": "", "steps": [], "down_steps": [],
    "prechecks": [], "operations": [], "is_destructive": True, "is_reversible": False,
    "schema_fingerprint": "0" * 64, "from_state": {"config_version": 0}, "to_state": {}, "config_version": 3,
}


def test_an_unchanged_record_verifies():
    verify(KEY, sealed(), "apply")


def test_the_seal_is_a_sha256_hex_digest_and_deterministic():
    assert seal(KEY, record()) == seal(KEY, copy.deepcopy(record()))
    assert len(seal(KEY, record())) == 64 and int(seal(KEY, record()), 16) >= 0


@pytest.mark.parametrize("part", SEALED_FIELDS)
def test_a_change_to_any_sealed_part_is_refused(part):
    r = sealed()
    r[part] = CHANGES[part]
    with pytest.raises(TamperedMigration, match=r"changed after it was planned .*; refusing to resume it, nothing was run"):
        verify(KEY, r, "resume")


def test_the_changes_cover_every_sealed_part():
    assert set(CHANGES) == set(SEALED_FIELDS)


@pytest.mark.parametrize("part", ["status", "progress", "error_message"])
def test_run_time_state_is_outside_the_seal(part):
    r = sealed()
    r[part] = "applying"
    verify(KEY, r, "apply")


def test_another_key_gives_another_seal():
    assert seal(KEY, record()) != seal(b"x" * 32, record())
    r = record()
    r["checksum"] = seal(b"x" * 32, r)
    with pytest.raises(TamperedMigration):
        verify(KEY, r, "apply")


@pytest.mark.parametrize("stored", [None, ""])
def test_a_record_without_a_checksum_is_refused(stored):
    r = record()
    r["checksum"] = stored
    with pytest.raises(TamperedMigration, match="has no checksum.*refusing to abort it"):
        verify(KEY, r, "abort")


def test_a_forged_checksum_of_the_right_shape_is_refused():
    r = sealed()
    r["checksum"] = "0" * 64
    with pytest.raises(TamperedMigration):
        verify(KEY, r, "roll back")


def test_a_refusal_is_a_refused_error_naming_the_version():
    r = sealed()
    r["version"] = 9
    with pytest.raises(Refused, match="migration 9 "):
        verify(KEY, r, "apply")


def test_the_seal_of_a_record_is_stable_across_releases():
    """Records sealed by an earlier release must still verify after an upgrade, so the
    canonical form (field set, key order, id text, separators) may never drift."""
    assert seal(KEY, record()) == "6e2392d6504bace62b6eadfd243a6e5a0436197c6125307bc7c71a2e6cee0656"


def test_the_refusals_say_what_happened_and_what_to_do():
    r = record()
    r["checksum"] = None
    with pytest.raises(TamperedMigration) as missing:
        verify(KEY, r, "apply")
    assert str(missing.value) == (
        "migration 3 has no checksum (planned by an older version or altered); refusing to apply it: plan the "
        "section again and review the new migration")
    r["checksum"] = "0" * 64
    with pytest.raises(TamperedMigration) as changed:
        verify(KEY, r, "roll back")
    assert str(changed.value) == (
        "migration 3 was changed after it was planned (its stored SQL, steps or states no longer match the "
        "reviewed checksum); refusing to roll back it, nothing was run. Plan the section again and review the "
        "new migration")
