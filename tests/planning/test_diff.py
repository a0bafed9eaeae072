"""The planner's diff on snapshots built in Python: no PostgreSQL is involved."""

from __future__ import annotations

import pytest
from planning_helpers import by_kind, field, live_table, plan, section, snapshot, statements

from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.content_engine.migrations.operations import LOCKS, OPERATION_KINDS
from polysynergy_nodes_content.content_engine.postgres import generated_names as names

TITLE = field("title", settings={"maxLength": 120})
CODE = field("code")


def test_a_new_section_is_one_create_table_in_the_transaction():
    ops = plan(snapshot(section(), [TITLE, field("count", "integer", required=True)]))
    assert [op.kind for op in ops] == ["create_table"]
    create = ops[0]
    assert create.phases == ("main",)
    assert statements(create)[0].startswith('CREATE TABLE "custom"."articles" (')
    assert '"count" bigint NOT NULL' in statements(create)[0]


def test_up_to_date_table_plans_nothing():
    sec = section()
    fields = [TITLE, CODE]
    assert plan(snapshot(sec, fields, live_table(sec, fields), populated=True)) == []


def test_new_unique_field_on_a_populated_table_builds_its_index_after_the_commit():
    sec = section()
    live = live_table(sec, [TITLE])
    ops = plan(snapshot(sec, [TITLE, field("slug", unique=True)], live, populated=True))
    unique = by_kind(ops, "add_unique")
    assert statements(unique, "main") == []
    build, attach = unique.up
    assert build.phase == "post" and build.sql.startswith("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS")
    assert attach.phase == "post" and "UNIQUE USING INDEX" in attach.sql
    assert build.undo and attach.undo  # a failure after the commit is compensated
    assert unique.prechecks[0].count == 0  # a new column without a default holds no duplicates


def test_new_unique_field_on_an_empty_table_stays_in_the_transaction():
    sec = section()
    ops = plan(snapshot(sec, [TITLE, field("slug", unique=True)], live_table(sec, [TITLE]), populated=False))
    unique = by_kind(ops, "add_unique")
    assert unique.phases == ("main",) and "UNIQUE (\"slug\")" in statements(unique)[0]


def test_new_required_field_with_default_validates_after_the_commit():
    sec = section()
    ops = plan(snapshot(sec, [TITLE, field("views", "integer", required=True, default=0)], live_table(sec, [TITLE]),
                        populated=True))
    not_null = by_kind(ops, "set_not_null")
    assert [s.phase for s in not_null.up] == ["main", "post", "post", "post"]
    assert "NOT VALID" in not_null.up[0].sql and "VALIDATE CONSTRAINT" in not_null.up[1].sql
    assert "SET NOT NULL" in not_null.up[2].sql
    assert not_null.prechecks[0].count == 0 and not_null.measures == []


def test_making_a_populated_field_required_validates_before_the_transaction():
    sec = section()
    ops = plan(snapshot(sec, [field("title", settings={"maxLength": 120}, required=True)], live_table(sec, [TITLE]),
                        populated=True))
    not_null = by_kind(ops, "set_not_null")
    assert [s.phase for s in not_null.up] == ["pre", "pre", "main", "main"]
    assert not_null.up[0].undo == ['ALTER TABLE "custom"."articles" DROP CONSTRAINT IF EXISTS "%s"'
                                   % names.not_null_check_name(TITLE["id"])]
    # The count is a query measured after the diff, shown in the review.
    assert not_null.prechecks[0].count is None
    assert not_null.measures[0][1] == 'SELECT count(*) FROM "custom"."articles" WHERE "title" IS NULL'


def test_making_an_empty_tables_field_required_runs_in_the_transaction():
    sec = section()
    ops = plan(snapshot(sec, [field("title", settings={"maxLength": 120}, required=True)], live_table(sec, [TITLE])))
    assert by_kind(ops, "set_not_null").phases == ("main",)


def test_a_rename_and_required_together_guard_the_live_column_before_the_transaction():
    sec = section(handle="posts")
    old = section()
    renamed = field("headline", settings={"maxLength": 120}, required=True, field_id=TITLE["id"])
    live = live_table(old, [TITLE])
    ops = plan(snapshot(sec, [renamed], live, populated=True, applied_fields=[TITLE]))
    assert [op.kind for op in ops] == ["rename_table", "rename_column", "set_not_null"]
    guard = by_kind(ops, "set_not_null").up[0]
    assert guard.phase == "pre" and guard.sql.startswith('ALTER TABLE "custom"."articles"')
    assert '("title" IS NOT NULL)' in guard.sql
    assert "\"articles\" WHERE \"title\" IS NULL" in by_kind(ops, "set_not_null").measures[0][1]


def test_making_a_field_unique_after_a_section_rename_builds_on_the_live_table():
    sec = section(handle="posts")
    live = live_table(section(), [CODE])
    ops = plan(snapshot(sec, [field("code", unique=True)], live, populated=True))
    build = by_kind(ops, "add_unique").up[0]
    assert build.phase == "pre" and ' ON "custom"."articles" ("code")' in build.sql


def test_type_changes_are_online_on_populated_tables_and_in_place_otherwise():
    sec = section()
    before = [field("count", "text")]
    after = [field("count", "integer")]
    online = plan(snapshot(sec, after, live_table(sec, before), populated=True, applied_fields=before))
    assert [op.kind for op in online] == ["alter_type_online"]
    assert online[0].phases == ("pre", "backfill", "main")
    assert any(s.phase == "backfill" and s.sql.startswith('CALL "public"."content_backfill"(') for s in online[0].up)
    in_place = plan(snapshot(sec, after, live_table(sec, before), populated=False, applied_fields=before))
    assert [op.kind for op in in_place] == ["alter_type_in_place"]
    longer = plan(snapshot(sec, [field("title", settings={"maxLength": 500})], live_table(sec, [TITLE]),
                           populated=True, applied_fields=[TITLE]))
    assert [op.kind for op in longer] == ["alter_type_in_place"] and not longer[0].rewrites


def test_a_removed_field_is_archived_and_counted_later():
    sec = section()
    ops = plan(snapshot(sec, [TITLE], live_table(sec, [TITLE, CODE]), populated=True))
    drop = by_kind(ops, "drop_column")
    assert drop.destructive and drop.destroys_data
    # The archive is made and filled before the transaction, kept in sync by a trigger; the drop runs inside it.
    assert statements(drop)[0].startswith('CREATE TABLE IF NOT EXISTS "content_archive"."articles_code_0a1b2c3d" (id')
    assert drop.phases == ("pre", "backfill", "main", "post")
    assert any(s.phase == "backfill" and s.sql.startswith('CALL "public"."content_archive_copy"(') for s in drop.up)
    assert [s.sql for s in drop.up if s.phase == "main"][-1] == 'ALTER TABLE "custom"."articles" DROP COLUMN "code"'
    assert drop.measures[0][1] == 'SELECT count(*) FROM "custom"."articles" WHERE "code" IS NOT NULL'


def test_an_inactive_section_archives_its_table():
    sec = section(active=False)
    ops = plan(snapshot(sec, [TITLE], live_table(sec, [TITLE]), populated=True))
    assert [op.kind for op in ops] == ["archive_table"] and ops[0].destructive


def test_relation_targets_come_from_the_snapshot():
    sec = section()
    author = field("author", "relation", {"targetSection": "people"})
    with pytest.raises(InvalidInput, match="relation target section 'people' does not exist"):
        plan(snapshot(sec, [author]))
    with pytest.raises(InvalidInput, match="the table of target section 'people' does not exist yet"):
        plan(snapshot(sec, [author], targets={"people": None}))
    ops = plan(snapshot(sec, [author], targets={"people": "persons"}))
    assert 'REFERENCES "custom"."persons" (id)' in statements(ops[0])[0]


def test_a_multiple_relation_gets_a_junction_table_named_by_names():
    sec = section()
    readers = field("readers", "relation", {"targetSection": "people", "allowMultiple": True})
    ops = plan(snapshot(sec, [TITLE, readers], live_table(sec, [TITLE]), targets={"people": "people"}))
    junction = by_kind(ops, "create_junction")
    assert junction.name == names.junction_table_name("articles", "readers")
    assert statements(junction)[1].endswith(repr(names.junction_mark(sec["id"], readers["id"])).replace('"', "'"))


def test_a_rule_change_drops_the_old_check_first_and_adds_the_new_one():
    sec = section()
    before = [field("status", "select", {"options": ["a", "b"]})]
    after = [field("status", "select", {"options": ["a", "b", "c"]})]
    ops = plan(snapshot(sec, after, live_table(sec, before), populated=True, applied_fields=before))
    assert [op.kind for op in ops] == ["drop_constraint", "add_check"]
    assert [s.phase for s in ops[1].up] == ["main", "post"]


def test_every_kind_has_a_distinct_name_a_lock_and_an_order():
    kinds = [cls.kind for cls in OPERATION_KINDS]
    assert len(kinds) == len(set(kinds)) and all(kinds)
    assert "alter_type" not in kinds
    for cls in OPERATION_KINDS:
        assert cls.lock in LOCKS and cls.lock_note and isinstance(cls.order, int), cls


def test_the_stored_record_declares_lock_and_phases():
    sec = section()
    ops = plan(snapshot(sec, [TITLE, field("slug", unique=True)], live_table(sec, [TITLE]), populated=True))
    record = by_kind(ops, "add_unique").to_dict()
    assert record["lock"].startswith("ACCESS EXCLUSIVE (") and record["phases"] == ["post"]
    assert {"kind", "description", "destructive", "irreversible", "lint", "prechecks", "up", "down"} <= set(record)


def test_a_rename_and_a_rewriting_type_change_together_run_online_on_the_live_column():
    sec = section()
    before = field("count", "text")
    after = field("total", "integer", field_id=before["id"])
    ops = plan(snapshot(sec, [after], live_table(sec, [before]), populated=True, applied_fields=[before]))
    assert [op.kind for op in ops] == ["rename_column", "alter_type_online"]
    online = ops[1]
    before_transaction = [s.sql for s in online.up if s.phase != "main"]
    assert any('UPDATE OF "count"' in q for q in before_transaction)
    assert not any('"total"' in q for q in before_transaction if "TRIGGER" in q)
    main = statements(online, "main")
    assert 'ALTER TABLE "custom"."articles" DROP COLUMN "total"' in main
    # Rollback restores the live constraints under the live name, then renames back.
    renames = [s.sql for s in online.down if "RENAME COLUMN" in s.sql]
    assert renames == ['ALTER TABLE "custom"."articles" RENAME COLUMN "total" TO "count"',
                       'ALTER TABLE "custom"."articles" RENAME COLUMN "count" TO "total"']
