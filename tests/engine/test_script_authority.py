"""The reviewed script is the migration: apply runs exactly its statements, psql runs it as
shown with the same result, a stored migration changed after review runs nothing, and
user text cannot leave a comment."""

from __future__ import annotations

import json
import shutil
import subprocess

import pglast
import psycopg
import pytest
from engine_helpers import live_state, make_section, rows, sql
from psycopg import sql as pg_sql

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.errors import Refused
from polysynergy_nodes_content.content_engine.migrations.script import comment_text, session_statements
from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

NOT_DDL = ("SET", "BEGIN", "COMMIT", "CALL", "NOTIFY", "UPDATE", "SELECT", "INSERT")
DDL_LOG = """
CREATE TABLE public.test_ddl_log (n bigserial PRIMARY KEY, query text);
CREATE FUNCTION public.test_log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.test_ddl_log (query) VALUES (current_query());
END $$;
CREATE EVENT TRIGGER test_log_ddl ON ddl_command_end EXECUTE FUNCTION public.test_log_ddl();
"""


def psql_binary() -> str:
    found = shutil.which("psql")
    if found is None:
        for candidate in ("/usr/lib/postgresql/15/bin/psql", "/usr/lib/postgresql/16/bin/psql"):
            if shutil.which(candidate):
                return candidate
        pytest.fail("psql is needed to run reviewed scripts (install postgresql-client)")
    return found


def run_psql(url: str, script: str, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "migration.sql"
    path.write_text(script, encoding="utf-8")
    return subprocess.run([psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(path)],
                          capture_output=True, text=True, timeout=120)


def statements(script: str) -> list[str]:
    """The statements of a script as PostgreSQL's own parser splits it (comments dropped)."""
    return [s.strip() for s in pglast.split(script, with_parser=True)]


def expected_statements(engine, migration_id, which="steps") -> list[str]:
    steps = sql(engine, pg_sql.SQL("SELECT {} FROM section_migrations WHERE id = %s").format(
        pg_sql.Identifier(which)), (migration_id,))[0][0]
    out = list(session_statements(engine.settings))
    phases = [s["phase"] for s in steps]
    for i, step in enumerate(steps):
        if step["phase"] == "main" and (i == 0 or phases[i - 1] != "main"):
            out.append("BEGIN")
        out.append(step["sql"])
        if step["phase"] == "main" and (i == len(steps) - 1 or phases[i + 1] != "main"):
            out.append("COMMIT")
    return out


def field_id(engine, sid, handle):
    return next(f["id"] for f in engine.get_section(sid)["fields"] if f["handle"] == handle)


def busy_section(engine):
    """A populated section and a migration touching every phase: a rename and a required
    field in the transaction, a unique index built before it, an online type change
    (new column, sync trigger, batched backfill), a JSON index built after it."""
    section = make_section(engine, "ledger", [
        {"handle": "amount", "type": "integer"}, {"handle": "code", "type": "text"},
        {"handle": "note", "type": "text"},
    ])
    engine.create_entries("ledger", [{"amount": i, "code": f"c{i}", "note": f"n{i}"} for i in range(700)])
    sid = section["id"]
    engine.update_field(field_id(engine, sid, "amount"), {"field_type_handle": "decimal",
                                                         "field_settings": {"precision": 12, "scale": 2}})
    engine.update_field(field_id(engine, sid, "code"), {"is_unique": True})
    engine.update_field(field_id(engine, sid, "note"), {"handle": "remark"})
    engine.add_field(sid, "meta", None, "json")
    return sid


@pytest.fixture
def small_batches(database_url):
    engine = ContentEngine(database_url, ContentEngine(database_url).settings.with_changes(backfill_batch_size=100))
    engine.install()
    return engine


def test_the_script_holds_exactly_the_statements_apply_runs_in_order(small_batches):
    engine = small_batches
    sid = busy_section(engine)
    migration = engine.plan_migration(sid)
    script = migration["sql"]
    assert "CALL \"public\".\"content_backfill\"(" in script  # the backfill, runnable as shown
    assert "%(" not in script  # no placeholder left
    assert statements(script) == expected_statements(engine, migration["id"])
    assert statements(migration["down_sql"]) == expected_statements(engine, migration["id"], "down_steps")

    sql(engine, DDL_LOG)
    engine.apply_migration(migration["id"])
    ran = [r[0] for r in sql(engine, "SELECT query FROM public.test_ddl_log ORDER BY n")]
    ran = [q for i, q in enumerate(ran) if i == 0 or q != ran[i - 1]]  # one statement can log several commands
    ddl = [s for s in statements(script) if not s.upper().startswith(NOT_DDL)]
    assert ran == ddl


def test_the_reviewed_script_run_by_psql_leaves_the_same_schema_and_data_as_apply(new_database, tmp_path):
    url = new_database()
    engine = ContentEngine(url, ContentEngine(url).settings.with_changes(backfill_batch_size=100))
    engine.install()
    sid = busy_section(engine)
    migration = engine.plan_migration(sid)
    close_pools()  # a database with open connections cannot be copied
    copy_url = new_database(template=psycopg.conninfo.conninfo_to_dict(url)["dbname"])
    engine = ContentEngine(url, engine.settings)

    engine.apply_migration(migration["id"])
    done = run_psql(copy_url, migration["sql"], tmp_path)
    assert done.returncode == 0, done.stderr
    copy = ContentEngine(copy_url)
    assert live_state(copy, sid) == live_state(engine, sid)
    assert rows(copy, "ledger") == rows(engine, "ledger")
    # The rollback script too.
    engine.rollback_migration(migration["id"])
    undone = run_psql(copy_url, migration["down_sql"], tmp_path)
    assert undone.returncode == 0, undone.stderr
    assert live_state(copy, sid) == live_state(engine, sid)
    assert rows(copy, "ledger") == rows(engine, "ledger")


# -- tampering -------------------------------------------------------------------------------
TAMPERINGS = {
    "an added step": ("steps", lambda v: v + [{"sql": "DROP TABLE custom.victims", "phase": "main", "undo": [],
                                               "index_name": None}]),
    "a changed step": ("steps", lambda v: [dict(v[0], sql="DROP TABLE custom.victims")] + v[1:]),
    "the reviewed SQL": ("migration_sql", lambda v: v.replace("ADD COLUMN", "ADD COLUMN  ")),
    "the rollback steps": ("down_steps", lambda v: [{"sql": "DROP TABLE custom.victims", "phase": "main", "undo": [],
                                                     "index_name": None}]),
    "the resulting state": ("to_state", lambda v: dict(v, config_version=v["config_version"] + 1)),
    "the destructive flag": ("is_destructive", lambda v: not v),
    "the pre-check queries": ("prechecks", lambda v: v + [{"query": "SELECT 0", "blocking": True}]),
    "the checksum": ("checksum", lambda v: "0" * 64),
}


def tamper(engine, migration_id, column, change):
    value = sql(engine, pg_sql.SQL("SELECT {} FROM section_migrations WHERE id = %s").format(
        pg_sql.Identifier(column)), (migration_id,))[0][0]
    new = change(value)
    if isinstance(new, (dict, list)):
        new = json.dumps(new)
    # A direct UPDATE, as anyone who can write the table (an API role, say) could do.
    sql(engine, pg_sql.SQL("UPDATE section_migrations SET {} = %s WHERE id = %s").format(
        pg_sql.Identifier(column)), (new, migration_id))


@pytest.mark.parametrize("what", sorted(TAMPERINGS))
def test_apply_refuses_a_migration_changed_after_review_and_runs_nothing(engine, what):
    make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    before = live_state(engine, section["id"])
    column, change = TAMPERINGS[what]
    tamper(engine, migration["id"], column, change)
    with pytest.raises(Refused, match="changed after it was planned|no checksum"):
        engine.apply_migration(migration["id"], confirm=True)
    assert live_state(engine, section["id"]) == before
    assert rows(engine, "victims")[0]["name"] == "keep me"
    assert sql(engine, "SELECT status FROM section_migrations WHERE id = %s", (migration["id"],))[0][0] == "generated"


@pytest.mark.parametrize("what", ["the rollback steps", "the reviewed SQL", "a changed step"])
def test_rollback_refuses_a_migration_changed_after_review_and_runs_nothing(engine, what):
    make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    engine.apply_migration(migration["id"])
    after = live_state(engine, section["id"])
    column, change = TAMPERINGS[what]
    tamper(engine, migration["id"], column, change)
    with pytest.raises(Refused, match="changed after it was planned"):
        engine.rollback_migration(migration["id"])
    assert live_state(engine, section["id"]) == after
    assert rows(engine, "victims")[0]["name"] == "keep me"
    assert sql(engine, "SELECT status FROM section_migrations WHERE id = %s", (migration["id"],))[0][0] == "applied"


# Every sealed part of a record, changed the way a writer of the table could change it.
EVERY_SEALED_PART = {
    "id": ("id", lambda v: "00000000-0000-4000-8000-000000000001"),
    "section_id": ("section_id", None),  # pointed at another section (the victims)
    "version": ("version", lambda v: v + 1),
    "migration_sql": TAMPERINGS["the reviewed SQL"],
    "down_sql": ("down_sql", lambda v: (v or "") + "\n-- changed"),
    "steps": TAMPERINGS["a changed step"],
    "down_steps": TAMPERINGS["the rollback steps"],
    "prechecks": TAMPERINGS["the pre-check queries"],
    "operations": ("operations", lambda v: (v or []) + [{"up": ["SELECT 1"], "down": [], "description": "x"}]),
    "is_destructive": TAMPERINGS["the destructive flag"],
    "is_reversible": ("is_reversible", lambda v: not v),
    "schema_fingerprint": ("schema_fingerprint", lambda v: "0" * 64),
    "from_state": ("from_state", lambda v: dict(v or {}, config_version=-1)),
    "to_state": TAMPERINGS["the resulting state"],
    "config_version": ("config_version", lambda v: v + 1),
}


def test_every_sealed_part_is_tampered_with_in_some_test():
    from polysynergy_nodes_content.content_engine.migrations.seal import SEALED_FIELDS

    assert sorted(EVERY_SEALED_PART) == sorted(SEALED_FIELDS)


@pytest.mark.parametrize("part", sorted(EVERY_SEALED_PART))
def test_apply_refuses_a_change_to_any_sealed_part(engine, part):
    victims = make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    before = live_state(engine, section["id"])
    column, change = EVERY_SEALED_PART[part]
    if change is None:
        change = lambda v: victims["id"]  # noqa: E731
    tamper(engine, migration["id"], column, change)
    target = migration["id"] if part != "id" else change(None)
    with pytest.raises(Refused, match="changed after it was planned|no checksum"):
        engine.apply_migration(target, confirm=True)
    assert live_state(engine, section["id"]) == before
    assert rows(engine, "victims")[0]["name"] == "keep me"
    assert sql(engine, "SELECT status FROM section_migrations WHERE id = %s", (target,))[0][0] == "generated"


def interrupted(engine, migration_id) -> None:
    """The record as a process leaves it when it dies inside the main transaction of an
    apply: status applying, no step after the transaction done (status and progress are
    run-time state, outside the seal)."""
    sql(engine, "UPDATE section_migrations SET status = 'applying', progress = %s WHERE id = %s",
        (json.dumps({"direction": "up", "phase": "main", "done": [], "main_done": False}), migration_id))


@pytest.mark.parametrize("action", ["resume", "abort"])
@pytest.mark.parametrize("what", ["the resulting state", "the destructive flag", "an added step"])
def test_resume_and_abort_refuse_a_migration_changed_after_review_and_run_nothing(engine, action, what):
    make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    before = live_state(engine, section["id"])
    interrupted(engine, migration["id"])
    tamper(engine, migration["id"], *TAMPERINGS[what])
    with pytest.raises(Refused, match="changed after it was planned"):
        getattr(engine, f"{action}_migration")(migration["id"])
    assert live_state(engine, section["id"]) == before
    assert rows(engine, "victims")[0]["name"] == "keep me"
    assert sql(engine, "SELECT status FROM section_migrations WHERE id = %s", (migration["id"],))[0][0] == "applying"


def test_an_untampered_interrupted_apply_can_be_resumed(engine):
    """The control for the two tests above: the same interrupted record, unchanged, resumes."""
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    interrupted(engine, migration["id"])
    assert engine.resume_migration(migration["id"])["status"] == "applied"


def test_the_signing_key_is_not_readable_by_api_roles(engine):
    for role in ("anon", "authenticated"):
        sql(engine, pg_sql.SQL("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {}) THEN "
                               "CREATE ROLE {} NOLOGIN; END IF; END $$").format(
            pg_sql.Literal(role), pg_sql.Identifier(role)))
    # Even a schema whose default privileges grant everything to the API roles (Supabase's
    # public schema) keeps the key private after an upgrade runs the file again.
    sql(engine, "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated")
    sql(engine, "GRANT ALL ON public.content_secrets TO anon")
    sql(engine, "DELETE FROM content_schema_versions WHERE version = 4")
    engine.install()
    for role in ("anon", "authenticated"):
        assert sql(engine, "SELECT has_table_privilege(%s, 'public.content_secrets', 'SELECT')", (role,))[0][0] is False


# -- user text stays in comments ------------------------------------------------------------
HOSTILE = [
    "Evil\nDROP TABLE custom.victims; --",
    "Evil\rDROP TABLE custom.victims;",
    "Evil /* the rest is a comment",
    "Evil */ DROP TABLE custom.victims; /*",
    "Evil\u2028DROP TABLE custom.victims;\x0bx\x00y",
]


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a/*b", "a*/b", "a/*/b", "a\u2028b", "a\x1bb"])
def test_comment_text_keeps_everything_on_one_inert_line(text):
    safe = comment_text(text)
    assert "\n" not in safe and "\r" not in safe and "/*" not in safe and "*/" not in safe
    assert all(ch.isprintable() for ch in safe)
    assert statements(f"-- {safe}\nSELECT 1;") == ["SELECT 1"]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_stay_inside_comments_and_the_script_runs_as_intended(new_database, tmp_path, label):
    url = new_database()
    engine = ContentEngine(url)
    engine.install()
    make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    label = label.replace("\x00", "")  # PostgreSQL text cannot hold NUL at all
    section = engine.create_section("posts", label)
    engine.add_field(section["id"], "title", label, "text")
    engine.add_field(section["id"], "body", "Body", "text", help_text=label)
    migration = engine.plan_migration(section["id"])
    script = migration["sql"]
    assert statements(script) == expected_statements(engine, migration["id"])
    assert not any("victims" in s for s in statements(script))
    close_pools()
    copy_url = new_database(template=psycopg.conninfo.conninfo_to_dict(url)["dbname"])
    engine = ContentEngine(url)
    done = run_psql(copy_url, script, tmp_path)
    assert done.returncode == 0, done.stderr
    copy = ContentEngine(copy_url)
    assert rows(copy, "victims")[0]["name"] == "keep me"
    engine.apply_migration(migration["id"])
    assert live_state(copy, section["id"]) == live_state(engine, section["id"])


def test_a_step_missing_from_the_script_is_refused_even_with_a_valid_seal(engine):
    """Defence in depth: were the key ever known, a resealed record with an extra step
    still does not run, because every step must be a statement of the reviewed script."""
    from polysynergy_nodes_content.content_engine.migrations.seal import seal, signing_key

    make_section(engine, "victims", [{"handle": "name", "type": "text"}], [{"name": "keep me"}])
    section = make_section(engine, "posts", [{"handle": "title", "type": "text"}], [{"title": "t"}])
    engine.add_field(section["id"], "extra", None, "text")
    migration = engine.plan_migration(section["id"])
    tamper(engine, migration["id"], *TAMPERINGS["an added step"])
    with psycopg.connect(engine.url, autocommit=True) as conn:
        record = engine.migrations.load(migration["id"], conn)
        forged = seal(signing_key(conn, engine.settings.system_schema), record)
        conn.execute("UPDATE section_migrations SET checksum = %s WHERE id = %s", (forged, migration["id"]))
    with pytest.raises(Refused, match="does not show"):
        engine.apply_migration(migration["id"])
    assert rows(engine, "victims")[0]["name"] == "keep me"
