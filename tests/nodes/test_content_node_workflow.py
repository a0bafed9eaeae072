"""The seed's "Research Companies" usage example, run node by node with outputs feeding inputs.

ContentSectionCreate -> 5x ContentSectionFieldAdd -> ContentMigrationGenerate -> ContentMigrationApply(confirm)
-> ContentEntryCreate -> ContentEntryQuery -> ContentEntryUpdate -> ContentSectionFieldUpdate -> ContentMigrationApply
-> ContentMigrationRollback -> ContentEntryDelete, each in its own event loop (asyncio.run).
"""

from __future__ import annotations

import psycopg

from content_node_harness import RESEARCH_FIELDS, build_node, run
from content_node_contract import node_class

SWIS = {
    "company_name": "SWIS",
    "uses_kubernetes": True,
    "kubernetes_confidence": "hoog",
    "industry": "Digital Agency",
    "outreach_suggestion": "Hi Björn, ik zag jullie Kubernetes artikelen...",
}


def ok(node):
    assert node.false_path is False, node.false_path
    assert isinstance(node.true_path, dict) and node.true_path is not False
    return node


def column(database_url, name):
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT data_type, character_maximum_length, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'custom' AND table_name = 'research_companies' AND column_name = %s",
            (name,),
        ).fetchone()


def test_research_companies_workflow(database_url):
    url = database_url

    # 1. Create section
    section = ok(run(build_node(
        node_class("ContentSectionCreate"),
        section_handle="research_companies",
        label="Research Companies",
        description="Companies researched for Kubernetes usage",
        database_url=url,
    )))
    assert section.table_name == "research_companies"
    assert section.section_id and section.migration_id
    assert section.true_path["section_id"] == section.section_id

    # 2. Add fields (outputs of ContentSectionCreate feed ContentSectionFieldAdd)
    field_ids = {}
    for spec in RESEARCH_FIELDS:
        added = ok(run(build_node(
            node_class("ContentSectionFieldAdd"),
            section_id=section.section_id,
            field_handle=spec["handle"],
            field_label=spec["label"],
            field_type_handle=spec["field_type_handle"],
            field_settings=spec.get("field_settings", {}),
            is_required=spec.get("is_required", False),
            is_unique=spec.get("is_unique", False),
            database_url=url,
        )))
        assert added.field_id and added.migration_id
        field_ids[spec["handle"]] = added.field_id
    assert len(set(field_ids.values())) == 5

    # 3. Generate & review the migration
    generate = ok(run(build_node(node_class("ContentMigrationGenerate"), section_id=section.section_id, database_url=url)))
    sql = generate.migration_sql
    assert 'CREATE TABLE "custom"."research_companies"' in sql
    for spec in RESEARCH_FIELDS:
        assert f'"{spec["handle"]}"' in sql
    assert "character varying(200) NOT NULL" in sql
    assert generate.is_destructive is False and generate.warnings == []
    assert column(url, "company_name") is None, "planning never touches the table"

    # 4. Apply it (the user confirms)
    apply = ok(run(build_node(
        node_class("ContentMigrationApply"), migration_id=generate.migration_id, confirm=True, database_url=url
    )))
    assert apply.success is True and apply.error_message is None
    assert apply.true_path["migration"]["status"] == "applied"
    assert column(url, "company_name") == ("character varying", 200, "NO")

    # 5. Create the entry
    create = ok(run(build_node(
        node_class("ContentEntryCreate"), section_handle="research_companies", field_data=SWIS, database_url=url
    )))
    assert create.created_data["id"] == create.entry_id
    assert {k: create.created_data[k] for k in SWIS} == SWIS
    assert create.created_data["created_at"] and create.created_data["updated_at"]

    # 6. Query the companies that use Kubernetes (twice: two event loops, same answer)
    query = build_node(
        node_class("ContentEntryQuery"),
        section_handle="research_companies",
        filters={"uses_kubernetes": True},
        order_by="created_at DESC",
        limit=50,
        database_url=url,
    )
    for _ in range(2):
        ok(run(query))
        assert query.total_count == 1
        assert [e["id"] for e in query.entries] == [create.entry_id]
        assert query.entries[0]["company_name"] == "SWIS" and query.entries[0]["uses_kubernetes"] is True

    # 7. Update the entry
    update = ok(run(build_node(
        node_class("ContentEntryUpdate"),
        section_handle="research_companies",
        entry_id=create.entry_id,
        field_data={"kubernetes_confidence": "middel"},
        database_url=url,
    )))
    assert update.success is True
    assert update.updated_data["kubernetes_confidence"] == "middel"
    assert update.updated_data["company_name"] == "SWIS"

    # 8. Change a field: allow longer company names
    change = ok(run(build_node(
        node_class("ContentSectionFieldUpdate"),
        field_id=field_ids["company_name"],
        updates={"label": "Company", "field_settings": {"maxLength": 300}},
        database_url=url,
    )))
    assert change.migration_id
    assert "character varying(300)" in change.true_path["migration"]["sql"]

    # 9. Apply that migration (not destructive: no confirm needed)
    apply_change = ok(run(build_node(node_class("ContentMigrationApply"), migration_id=change.migration_id, database_url=url)))
    assert apply_change.success is True
    assert column(url, "company_name") == ("character varying", 300, "NO")

    # 10. Roll it back
    rollback = ok(run(build_node(node_class("ContentMigrationRollback"), migration_id=change.migration_id, database_url=url)))
    assert rollback.success is True and rollback.error_message is None
    assert column(url, "company_name") == ("character varying", 200, "NO")

    # 11. Delete the entry
    delete = ok(run(build_node(
        node_class("ContentEntryDelete"), section_handle="research_companies", entry_id=create.entry_id, database_url=url
    )))
    assert delete.success is True
    ok(run(query))
    assert query.total_count == 0 and query.entries == []
