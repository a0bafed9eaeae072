"""What a new user meets: an up-to-date plan says so, a pre-check that would fail refuses
the apply up front with the count and samples (or the user chooses what happens to the
rows), and waiting on a lock names the session that holds it, in apply and in planning."""

from __future__ import annotations

import json
from contextlib import contextmanager

import psycopg
import pytest
from click.testing import CliRunner
from engine_helpers import live_state, make_section, rows, sql

from polysynergy_nodes_content.cli.main import cli
from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import DatabaseFailure, InvalidInput
from polysynergy_nodes_content.content_engine.migrations.gate import PrecheckFailed
from polysynergy_nodes_content.content_engine.settings import EngineSettings


@contextmanager
def lock_held(database_url, application: str, statement: str):
    """Another session (``application``) holding what ``statement`` takes, in an open
    transaction until the block ends; yields that session's pid."""
    holder = psycopg.connect(database_url)
    holder.execute("SELECT set_config('application_name', %s, false)", (application,))
    holder.execute(statement)
    try:
        yield holder.info.backend_pid
    finally:
        holder.rollback()
        holder.close()


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def test_plan_of_an_up_to_date_section_says_so_in_the_engine_and_the_cli(engine):
    make_section(engine, "notes", [{"handle": "title", "type": "text"}])
    result = engine.plan_migration("notes")
    assert result["changes"] is False and result["id"] is None and result["version"] is None
    assert "up to date" in result["message"]
    runner = CliRunner()
    shown = runner.invoke(cli, ["--database-url", engine.url, "migrations", "plan", "notes"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "up to date" in shown.output and "Traceback" not in shown.output
    as_json = runner.invoke(cli, ["--database-url", engine.url, "--json", "migrations", "plan", "notes"],
                            catch_exceptions=False)
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)["migration"]["changes"] is False


def codes_section(engine):
    section = make_section(engine, "codes", [{"handle": "code", "type": "text"}, {"handle": "note", "type": "text"}],
                           [{"code": c, "note": f"row {c}"} for c in ("12", "seven", "7", "x9", "40")])
    engine.update_field(field_id(engine, section["id"], "code"), {"field_type_handle": "integer"})
    return section["id"]


def test_a_blocking_pre_check_refuses_the_apply_up_front_with_count_and_samples(engine):
    sid = codes_section(engine)
    migration = engine.plan_migration(sid)
    assert "PRE-CHECK: rows whose code cannot be converted to bigint: 2 row(s)" in migration["sql"]
    assert "for example: 'seven', 'x9'" in migration["sql"] or "for example: 'x9', 'seven'" in migration["sql"]
    before, before_rows = live_state(engine, sid), rows(engine, "codes")
    sql(engine, "CREATE TABLE public.test_ddl_seen (n serial, q text)")
    sql(engine, "CREATE FUNCTION public.test_seen() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO public.test_ddl_seen (q) VALUES (current_query()); END $$")
    sql(engine, "CREATE EVENT TRIGGER test_seen ON ddl_command_start EXECUTE FUNCTION public.test_seen()")
    with pytest.raises(PrecheckFailed) as refused:  # a refusal (exit 3), not a database error
        engine.apply_migration(migration["id"])
    message = str(refused.value)
    assert "refused before it started, nothing was changed" in message
    assert "2 row(s) rows whose code cannot be converted" in message
    assert "'seven'" in message and "'x9'" in message
    assert "on_convert_failure" in message  # says what the user can choose
    assert sql(engine, "SELECT count(*) FROM public.test_ddl_seen")[0][0] == 0  # not one statement ran
    assert live_state(engine, sid) == before and rows(engine, "codes") == before_rows
    status, error = sql(engine, "SELECT status, error_message FROM section_migrations WHERE id = %s",
                        (migration["id"],))[0]
    assert status == "failed" and "'seven'" in error


@pytest.mark.parametrize("choice, expected", [("null", None), ("default", -1)])
def test_the_user_chooses_what_happens_to_rows_that_do_not_convert_and_the_review_shows_it(engine, choice, expected):
    sid = codes_section(engine)
    if choice == "default":
        engine.update_field(field_id(engine, sid, "code"), {"default_value": -1})
    migration = engine.plan_migration(sid, on_convert_failure=choice)
    outcome = "they become NULL" if choice == "null" else "they get the field's default"
    assert f"cannot be converted to bigint ({outcome}): 2 row(s)" in migration["sql"]
    assert "refuses if any" not in migration["sql"].split("cannot be converted")[1].splitlines()[0]
    assert any("will be replaced" in w for w in migration["warnings"])
    applied = engine.apply_migration(migration["id"])
    assert applied["status"] == "applied"
    converted = {r["note"]: r["code"] for r in rows(engine, "codes")}
    assert converted == {"row 12": 12, "row seven": expected, "row 7": 7, "row x9": expected, "row 40": 40}
    # The rollback restores what can be restored (the converted values, as text).
    engine.rollback_migration(migration["id"])
    assert {r["note"]: r["code"] for r in rows(engine, "codes")}["row 12"] == "12"


def test_on_convert_failure_default_needs_a_default_and_unknown_choices_are_refused(engine):
    sid = codes_section(engine)
    with pytest.raises(InvalidInput, match="needs a default value"):
        engine.plan_migration(sid, on_convert_failure="default")
    with pytest.raises(InvalidInput, match="on_convert_failure"):
        engine.plan_migration(sid, on_convert_failure="ignore")


def test_the_choice_also_holds_for_an_online_type_change_and_for_writes_during_it(database_url):
    engine = ContentEngine(database_url, EngineSettings(backfill_batch_size=100))
    engine.install()
    section = make_section(engine, "big", [{"handle": "code", "type": "text"}])
    engine.create_entries("big", [{"code": str(i) if i % 100 else f"bad{i}"} for i in range(1000)])
    engine.update_field(field_id(engine, section["id"], "code"), {"field_type_handle": "integer"})
    migration = engine.plan_migration(section["id"], on_convert_failure="null")
    assert "online" in migration["description"] and "they become NULL" in migration["sql"]
    engine.apply_migration(migration["id"])
    values = [r["code"] for r in rows(engine, "big")]
    assert values.count(None) == 10 and sorted(v for v in values if v is not None)[:2] == [1, 2]


# -- locks -----------------------------------------------------------------------------------
@pytest.mark.parametrize("holding", ["SELECT count(*) FROM custom.busy", "LOCK TABLE custom.busy IN ACCESS EXCLUSIVE MODE"])
def test_a_lock_timeout_names_the_session_holding_the_lock_and_the_attempts(database_url, holding):
    engine = ContentEngine(database_url, EngineSettings(lock_timeout_ms=200, lock_retries=2))
    engine.install()
    section = make_section(engine, "busy", [{"handle": "title", "type": "text"}], [{"title": "a"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    with lock_held(database_url, "nightly-report", holding) as pid:  # an open transaction holding a lock
        with pytest.raises(DatabaseFailure) as failure:
            engine.apply_migration(migration["id"])
    message = str(failure.value)
    assert f"pid {pid}" in message and "application 'nightly-report'" in message
    assert holding in message and "since 20" in message and "canceling statement" not in message
    assert "tried 2 time(s)" in message
    assert engine.apply_migration(migration["id"])["status"] == "applied"


def test_planning_has_its_own_lock_timeout_and_names_the_holder(database_url):
    engine = ContentEngine(database_url, EngineSettings(plan_lock_timeout_ms=300))
    engine.install()
    section = make_section(engine, "held", [{"handle": "title", "type": "text"}], [{"title": "a"}])
    engine.update_field(field_id(engine, section["id"], "title"), {"is_unique": True})
    with lock_held(database_url, "long-maintenance", "LOCK TABLE custom.held IN ACCESS EXCLUSIVE MODE") as pid:
        # Refused while the lock is still held (it is released only when this block ends).
        with pytest.raises(DatabaseFailure) as failure:
            engine.plan_migration(section["id"])
    message = str(failure.value)
    assert "statement timeout" not in message  # the lock timeout gave up, not the statement timeout
    assert "plan_lock_timeout_ms" in message and f"pid {pid}" in message and "long-maintenance" in message
    assert engine.plan_migration(section["id"])["id"] is not None  # and it plans once the lock is gone


def test_a_rollback_that_cannot_get_its_lock_names_the_holder_and_changes_nothing(database_url):
    engine = ContentEngine(database_url, EngineSettings(lock_timeout_ms=200, lock_retries=1))
    engine.install()
    section = make_section(engine, "kept", [{"handle": "title", "type": "text"}], [{"title": "a"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    engine.apply_migration(migration["id"])
    after = live_state(engine, section["id"])
    with lock_held(database_url, "report-writer", "LOCK TABLE custom.kept IN ACCESS EXCLUSIVE MODE") as pid:
        with pytest.raises(DatabaseFailure) as failure:
            engine.rollback_migration(migration["id"])
    assert f"pid {pid}" in str(failure.value) and "report-writer" in str(failure.value)
    assert live_state(engine, section["id"]) == after
    assert engine.rollback_migration(migration["id"])["status"] == "rolled_back"
