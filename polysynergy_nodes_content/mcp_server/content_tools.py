"""The tools over sections and entries: list, describe, query, read, write, plan.

Annotations are evaluated when the tools are built (no postponed annotations here), so
the cap on entries per call appears in the parameter schemas the agent sees. Bounds are
shown in the schema but checked here, so a refusal reads like every other error (the
field, the reason, what to do) instead of a validation dump.
"""

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field

from polysynergy_nodes_content.content_engine.descriptors import get_with_titles, query_with_titles
from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound
from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.migration_review import review
from polysynergy_nodes_content.mcp_server.section_description import describe, section_summary

READS = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
DELETES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)

SectionName = Annotated[str, Field(description="Section handle, e.g. research_companies (see list_sections)",
                                   min_length=1, max_length=63)]
Fields = Annotated[list[str] | None, Field(
    description='Fields to return (default: all columns); "author.name" or "author.*" follows a relation '
                "and returns the related entry", max_length=100)]
EntryId = Annotated[str, Field(description="The entry's id (a UUID; in a section that adopted a table, that table's "
                                           "own key: a whole number or text), from query_entries or create_entries",
                               min_length=1, max_length=64)]


def register_read_tools(server, calls: ToolCalls) -> None:
    policy = calls.policy

    async def list_sections() -> dict[str, Any]:
        """The content sections this server serves: handle, label, fields, and whether changes await a migration."""
        def work(engine):
            sections = [s for s in engine.list_sections()
                        if policy.allows_section(s["handle"]) and s.get("is_active", True)]
            return {"sections": [section_summary(s) for s in sections], "limits": policy.describe()}

        return await calls.run(work)

    async def describe_section(section: SectionName) -> dict[str, Any]:
        """A section's fields with their types, settings and allowed filter operators, and the JSON Schema
        of one entry: read it before writing entries or filters."""
        def work(engine):
            found = calls.section(engine, section)
            return describe({**found, "id_type": engine.entry_id_type(found["id"]),
                             "related_id_types": engine.related_id_types(found["id"])}, engine.registry,
                            policy.describe())

        return await calls.run(work)

    async def query_entries(
        section: SectionName,
        filters: Annotated[dict[str, Any] | None, Field(
            description='Filter in JSON: {"field": value}, {"field": {"_gt": 5}}, {"_or": [...]}; operators per '
                        "field are listed by describe_section. Omit for all entries.")] = None,
        order_by: Annotated[str | None, Field(description='e.g. "created_at DESC, company_name"')] = None,
        limit: Annotated[int, Field(description=f"Most entries to return (at most {policy.max_entries})",
                                    json_schema_extra={"minimum": 1, "maximum": policy.max_entries})] = min(
            20, policy.max_entries),
        offset: Annotated[int, Field(description="Entries to skip, for paging",
                                     json_schema_extra={"minimum": 0})] = 0,
        fields: Fields = None,
        search: Annotated[str | None, Field(
            description="Words to find in the section's search fields (web-search syntax: \"exact phrase\", "
                        "-word, or), or in all its text fields (a scan) when it has none; the result's "
                        "search says which", max_length=500)] = None,
        count: Annotated[str, Field(
            description='total_count: "exact" (default, counted), "estimated" (the planner\'s estimate, cheap on big '
                        'sections; total_is_exact says whether it is the true total) or "none" (null, skipped)',
            json_schema_extra={"enum": ["exact", "estimated", "none"]})] = "exact",
    ) -> dict[str, Any]:
        """Find entries of a section with a filter, a full-text search, an order and paging; returns the entries
        and the total count (count="estimated" or "none" on big sections)."""
        def work(engine):
            policy.check_limit(limit)
            if offset < 0:
                raise InvalidInput(f"offset must be 0 or more, got {offset}", field="offset")
            calls.section(engine, section)
            page = query_with_titles(engine, section.strip(), filters=filters or None,
                                     order_by=order_by or None, limit=limit, offset=offset, fields=fields or None,
                                     search=search or None, count=count)
            return {"entries": page["entries"], "total_count": page["total_count"], "count": page["count"],
                    "total_is_exact": page["total_is_exact"], "limit": limit, "offset": offset,
                    "related_titles": page["related_titles"]}

        return await calls.run(work)

    async def get_entry(section: SectionName, entry_id: EntryId, fields: Fields = None) -> dict[str, Any]:
        """One entry of a section by its id."""
        def work(engine):
            calls.section(engine, section)
            entry, titles = get_with_titles(engine, section.strip(), entry_id.strip(), fields=fields or None)
            return {"entry": entry, "related_titles": titles}

        return await calls.run(work)

    server.add_tool(list_sections, annotations=READS)
    server.add_tool(describe_section, annotations=READS)
    server.add_tool(query_entries, annotations=READS)
    server.add_tool(get_entry, annotations=READS)


def register_write_tools(server, calls: ToolCalls) -> None:
    policy = calls.policy

    async def create_entries(
        section: SectionName,
        entries: Annotated[list[dict[str, Any]], Field(
            description=f"Entries to create (1 to {policy.max_entries}), each an object of field values by "
                        "handle, as describe_section's entry_schema says. All are created or none.",
            json_schema_extra={"minItems": 1, "maxItems": policy.max_entries})],
    ) -> dict[str, Any]:
        """Create one or more entries in a section, validated against its fields; all or nothing."""
        def work(engine):
            if not entries:
                raise InvalidInput("entries is empty: give at least one entry object", field="entries")
            policy.check_count(len(entries), "entries")
            calls.section(engine, section)
            created = engine.create_entries(section.strip(), entries)
            return {"created": created, "count": len(created)}

        return await calls.run(work)

    async def update_entry(
        section: SectionName,
        entry_id: EntryId,
        values: Annotated[dict[str, Any], Field(description="Only the field values to change, by field handle")],
    ) -> dict[str, Any]:
        """Change some field values of one entry; returns the whole entry after the change."""
        def work(engine):
            calls.section(engine, section)
            return {"entry": engine.update_entry(section.strip(), entry_id.strip(), values)}

        return await calls.run(work)

    async def delete_entry(section: SectionName, entry_id: EntryId) -> dict[str, Any]:
        """Delete one entry by its id. This cannot be undone: confirm with the user first."""
        def work(engine):
            calls.section(engine, section)
            if not engine.delete_entry(section.strip(), entry_id.strip()):
                raise NotFound(f"entry '{entry_id}' does not exist in section '{section}'", field="entry_id")
            return {"deleted": True, "entry_id": entry_id.strip()}

        return await calls.run(work)

    async def plan_migration(section: SectionName) -> dict[str, Any]:
        """Plan the migration that brings a section's table in line with its configuration and return its
        review (SQL, warnings, pre-check counts, destructive or not). Applies nothing."""
        def work(engine):
            found = calls.section(engine, section)
            return review(engine.plan_migration(found["id"]), policy)

        return await calls.run(work)

    server.add_tool(create_entries, annotations=WRITES)
    server.add_tool(update_entry, annotations=WRITES)
    server.add_tool(delete_entry, annotations=DELETES)
    server.add_tool(plan_migration, annotations=WRITES)
