"""Exit codes: 2 bad input, 3 refused (stale, needs confirmation, declined), 4 database error."""

from __future__ import annotations

import re

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def test_bad_input_exits_2(run, companies):
    assert run.json("entries", "query", "no_such_section", expect=2)["error"]["type"] == "NotFound"
    err = run.json("entries", "query", companies, "--filter", "{not json", expect=2)["error"]
    assert "not valid JSON" in err["message"]
    err = run.json("entries", "query", companies, "--filter", '{"uses_kubernetes": {"_gt": 1}}', expect=2)["error"]
    assert err["field"] == "uses_kubernetes"
    err = run.json("entries", "create", companies, '{"company_name": "A", "kubernetes_confidence": "x"}',
                   expect=2)["error"]
    assert err["field"] == "kubernetes_confidence"
    run("entries", "create", companies, '{"company_name": "A"}')
    err = run.json("entries", "create", companies, '{"company_name": "A"}', expect=2)["error"]
    assert "already exists" in err["message"]
    assert run.json("entries", "get", companies, "not-a-uuid", expect=2)["ok"] is False
    assert run.json("sections", "create", "Bad Handle", expect=2)["error"]["type"] == "InvalidInput"
    run("fields", "add", companies, "x", "-t", "no_such_type", expect=2)
    run("fields", "update", companies, "industry", expect=2)  # nothing to change
    run("entries", "import", companies, "/no/such/file.csv", expect=2)
    run("migrations", "apply", companies, "--yes", expect=2)  # nothing pending
    run("sections", "diagram", "nope", expect=2)
    # click's own usage errors are exit 2 as well
    run("entries", "query", expect=2)
    run("no-such-command", expect=2)
    text = run("entries", "query", "no_such_section", expect=2)
    assert "Invalid input:" in text.stderr


def test_refused_exits_3(run, companies):
    run("entries", "create", companies, '{"company_name": "Acme", "industry": "x"}')
    run("fields", "remove", companies, "industry")
    plan = run.json("migrations", "plan", companies)["migration"]
    assert plan["is_destructive"] is True
    # declined at the prompt
    result = run("migrations", "apply", plan["id"], input="n\n", expect=3)
    assert "cancelled" in result.stderr
    # no answer possible (no terminal, no --yes)
    result = run("migrations", "apply", plan["id"], input="", expect=3)
    assert "--yes" in result.stderr
    # stale: the configuration changed after planning
    run("fields", "add", companies, "website", "-t", "text")
    err = run.json("migrations", "apply", plan["id"], "--yes", expect=3)["error"]
    assert err["type"] == "StaleMigration"
    # entries on a section whose table does not exist yet
    run("sections", "create", "draft")
    assert run.json("entries", "query", "draft", expect=3)["error"]["type"] == "PendingMigration"
    # rollback that is not the latest / not applied
    first = run.json("migrations", "list", "--section", companies)["migrations"][0]
    newer = run.json("migrations", "plan", companies)["migration"]
    run("migrations", "apply", newer["id"], "--yes")
    err = run.json("migrations", "rollback", first["id"], "--yes", expect=3)["error"]
    assert "latest applied" in err["message"]
    # declining a rollback
    run("migrations", "rollback", companies, input="n\n", expect=3)
    # an already applied migration
    assert run.json("migrations", "apply", newer["id"], "--yes", expect=3)["error"]["type"] == "Refused"


def test_destructive_apply_without_confirmation_in_the_engine_is_refused(run, companies):
    """The CLI passes confirm=True only after a yes; the engine refuses otherwise (NeedsConfirmation)."""
    from polysynergy_nodes_content.content_engine.engine import ContentEngine
    from polysynergy_nodes_content.content_engine.errors import NeedsConfirmation

    run("fields", "remove", companies, "industry")
    plan = run.json("migrations", "plan", companies)["migration"]
    engine = ContentEngine(run.url)
    try:
        engine.apply_migration(plan["id"])
    except NeedsConfirmation as exc:
        assert exc.exit_code == 3
    else:  # pragma: no cover
        raise AssertionError("a destructive migration was applied without confirmation")
    run("migrations", "apply", plan["id"], input="y\n")


def test_unreachable_database_exits_4(database_url):
    from click.testing import CliRunner

    from polysynergy_nodes_content.cli.main import cli

    params = conninfo_to_dict(database_url)
    params["dbname"] = "no_such_database_here"
    runner = CliRunner()
    result = runner.invoke(cli, ["--database-url", make_conninfo(**params), "sections", "list"])
    assert result.exit_code == 4, result.output
    assert "Database error" in result.stderr and "no_such_database_here" in result.stderr
    result = runner.invoke(cli, ["--json", "--database-url", make_conninfo(**params), "init"])
    assert result.exit_code == 4
    assert '"DatabaseFailure"' in result.stdout


def test_failed_migration_exits_4(run, database_url, companies):
    """A migration whose SQL fails in the database (here: a conflicting object created out of band)."""
    run("fields", "add", companies, "website", "-t", "text", "--unique")
    plan = run.json("migrations", "plan", companies)["migration"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        # Something else takes the name of the unique constraint the migration is about to create.
        names = re.findall(r'ADD CONSTRAINT "([^"]+)" UNIQUE', plan["sql"])
        assert names, plan["sql"]
        conn.execute(f'CREATE TABLE custom."{names[0]}" (x int)')
    err = run.json("migrations", "apply", plan["id"], "--yes", expect=4)["error"]
    assert err["type"] == "DatabaseFailure" and "nothing was changed" in err["message"]
    assert run.json("migrations", "show", plan["id"])["migration"]["status"] == "failed"


def test_resume_or_abort_with_nothing_interrupted_is_refused_by_section_and_by_id(run, companies):
    applied = run.json("migrations", "list", "--section", companies)["migrations"][0]
    for action, extra in (("resume", ()), ("abort", ("--yes",))):
        for target, subject in ((companies, f"section '{companies}' has no interrupted migration"),
                                (applied["id"], f"migration {applied['version']} is applied and finished")):
            err = run.json("migrations", action, target, *extra, expect=3)["error"]
            assert err["type"] == "Refused" and err["exit_code"] == 3, err
            assert err["message"] == f"{subject}: there is nothing to {action}", err
            assert "Refused:" in run("migrations", action, target, *extra, expect=3).stderr
    assert run.json("migrations", "resume", "no_such_section", expect=2)["error"]["type"] == "NotFound"


def test_a_migration_refused_before_it_starts_exits_3(run, companies):
    """Finding: a blocking pre-check (rows the migration cannot handle) was a DatabaseFailure
    and exited 4 ("Database error"); it is a refusal: exit 3, the message unchanged."""
    run("entries", "create", companies, '{"company_name": "Acme"}')  # industry stays NULL
    run("fields", "update", companies, "industry", "--required")
    plan = run.json("migrations", "plan", companies)["migration"]
    err = run.json("migrations", "apply", plan["id"], "--yes", expect=3)["error"]
    assert err["exit_code"] == 3 and err["type"] == "PrecheckFailed", err
    assert "refused before it started, nothing was changed" in err["message"]
    assert "1 row(s)" in err["message"] and "industry" in err["message"]
    text = run("migrations", "apply", plan["id"], "--yes", expect=3)
    assert "Refused:" in text.stderr and "Database error" not in text.stderr
    # Fixing the rows lets the same migration run.
    with psycopg.connect(run.url, autocommit=True) as conn:
        conn.execute("UPDATE custom.research_companies SET industry = 'Software'")
    assert run.json("migrations", "apply", plan["id"], "--yes")["migration"]["status"] == "applied"


def test_every_refusal_of_apply_and_rollback_exits_3(run, database_url, companies):
    """Each way apply / rollback refuses before doing anything, through the real CLI."""
    def refused(*args):
        err = run.json(*args, expect=3)["error"]
        assert err["exit_code"] == 3, err
        return err

    # A plan superseded by a newer one.
    run("fields", "add", companies, "website", "-t", "text")
    old = run.json("migrations", "plan", companies)["migration"]
    run("fields", "add", companies, "city", "-t", "text")
    new = run.json("migrations", "plan", companies)["migration"]
    assert "superseded" in refused("migrations", "apply", old["id"], "--yes")["message"]
    # Rolling back a migration that was never applied.
    assert "only an applied migration" in refused("migrations", "rollback", new["id"], "--yes")["message"]
    # The live table changed out of band after planning.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE custom.research_companies ADD COLUMN out_of_band integer")
    err = refused("migrations", "apply", new["id"], "--yes")
    assert err["type"] == "StaleMigration" and "changed since" in err["message"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE custom.research_companies DROP COLUMN out_of_band")
    # A sealed migration whose stored script was edited.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE section_migrations SET migration_sql = migration_sql || %s WHERE id = %s",
                     ("\n-- edited", new["id"]))
    assert refused("migrations", "apply", new["id"], "--yes")["type"] == "TamperedMigration"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE section_migrations SET migration_sql = left(migration_sql, -length(%s)) WHERE id = %s",
                     ("\n-- edited", new["id"]))
    run("migrations", "apply", new["id"], "--yes")
    # Rolling back after the live table changed since the apply.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE custom.research_companies ADD COLUMN out_of_band integer")
    err = refused("migrations", "rollback", new["id"], "--yes")
    assert err["type"] == "StaleMigration" and "rolling back could lose those changes" in err["message"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE custom.research_companies DROP COLUMN out_of_band")
    run("migrations", "rollback", new["id"], "--yes")
    # Applying a rolled-back migration again.
    assert "was rolled back" in refused("migrations", "apply", new["id"], "--yes")["message"]


def test_a_read_past_the_read_statement_timeout_exits_4_naming_the_setting(run, companies, database_url):
    run("entries", "create", companies, '{"company_name": "Acme"}')
    with psycopg.connect(database_url) as locker:
        locker.execute("SET idle_in_transaction_session_timeout = '60s'")
        locker.execute('LOCK TABLE custom."research_companies" IN ACCESS EXCLUSIVE MODE')
        err = run.json("entries", "query", companies, expect=4,
                       env={"SECTIONS_READ_STATEMENT_TIMEOUT_MS": "200"})["error"]
        locker.rollback()
    assert err["type"] == "ReadTimeout"
    assert "stopped after 200 ms" in err["message"] and "SECTIONS_READ_STATEMENT_TIMEOUT_MS" in err["message"]
    long = run.json("entries", "query", companies, "--filter", '{"company_name": {"_contains": "%s"}}' % ("x" * 1001),
                    expect=2)["error"]
    assert "filters.company_name._contains" in long["message"] and "max_filter_operand_length" in long["message"]
