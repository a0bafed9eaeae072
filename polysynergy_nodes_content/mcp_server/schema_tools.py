"""Schema changes and applying migrations: offered only when the server was started for them.

Each schema change plans its migration at once and returns the review, so the agent
(and the person it works for) see the SQL before anything runs. ``apply_migration``
never applies a destructive migration, whatever the flags.
"""

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field

from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.content_tools import SectionName
from polysynergy_nodes_content.mcp_server.migration_review import review
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal

CHANGES_SCHEMA = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                                 open_world_hint=False)
MAY_DESTROY = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                              open_world_hint=False)

FieldHandle = Annotated[str, Field(description="Field handle: lower-case letters, digits and _, e.g. company_name",
                                   min_length=1, max_length=63)]
TypeHandle = Annotated[str, Field(description="Field type: text, textarea, number, integer, decimal, boolean, date, "
                                              "datetime, time, select, multi_select, relation, json, email, url, "
                                              "slug, phone, color, currency, percentage")]


def _changed(field: dict, plan: dict, policy) -> dict:
    return {"field": field, "migration": review(plan, policy)}


def register_schema_tools(server, calls: ToolCalls) -> None:
    policy = calls.policy

    async def create_section(
        handle: Annotated[str, Field(description="Lower-case identifier, also the table name", min_length=1,
                                     max_length=63)],
        label: Annotated[str, Field(description="Human readable name", min_length=1)],
        description: Annotated[str | None, Field(description="What the section holds")] = None,
    ) -> dict[str, Any]:
        """Create a content section and plan the migration that creates its table (nothing is applied)."""
        def work(engine):
            policy.check_section(handle.strip())
            section = engine.create_section(handle.strip(), label, description=description)
            return {"section": section, "migration": review(engine.plan_migration(section["id"]), policy)}

        return await calls.run(work)

    async def add_field(
        section: SectionName,
        handle: FieldHandle,
        type: TypeHandle,
        label: Annotated[str | None, Field(
            description="Human readable name; derived from the handle if omitted")] = None,
        settings: Annotated[dict[str, Any] | None, Field(
            description='Settings of the type, e.g. {"maxLength": 200} for text, '
                        '{"options": ["a", "b"]} for select')] = None,
        required: bool = False,
        unique: bool = False,
        default: Annotated[Any, Field(description="Value for entries that do not give one")] = None,
        help_text: str | None = None,
    ) -> dict[str, Any]:
        """Add a field to a section and plan the migration that adds its column (nothing is applied)."""
        def work(engine):
            found = calls.section(engine, section)
            field = engine.add_field(found["id"], handle.strip(), label, type.strip(), field_settings=settings,
                                     is_required=required, is_unique=unique, default_value=default, help_text=help_text)
            return _changed(field, engine.plan_migration(found["id"]), policy)

        return await calls.run(work)

    async def update_field(
        section: SectionName,
        field: FieldHandle,
        changes: Annotated[dict[str, Any], Field(
            description='Only what changes: handle (a rename), label, field_type_handle, field_settings, '
                        'is_required, is_unique, default_value, help_text, e.g. {"label": "Company"}')],
    ) -> dict[str, Any]:
        """Change a field's configuration and plan the migration that brings its column in line (nothing is applied)."""
        def work(engine):
            found = calls.section(engine, section)
            updated = engine.update_field(calls.field(found, field.strip())["id"], changes)
            return _changed(updated, engine.plan_migration(found["id"]), policy)

        return await calls.run(work)

    async def remove_field(section: SectionName, field: FieldHandle) -> dict[str, Any]:
        """Remove a field and plan the migration that archives and drops its column. That migration is
        destructive, so a person applies it; nothing is applied here."""
        def work(engine):
            found = calls.section(engine, section)
            removed = engine.remove_field(found["id"], calls.field(found, field.strip())["handle"])
            return _changed(removed, engine.plan_migration(found["id"]), policy)

        return await calls.run(work)

    server.add_tool(create_section, annotations=CHANGES_SCHEMA)
    server.add_tool(add_field, annotations=CHANGES_SCHEMA)
    server.add_tool(update_field, annotations=CHANGES_SCHEMA)
    server.add_tool(remove_field, annotations=MAY_DESTROY)


def register_apply_tool(server, calls: ToolCalls) -> None:
    """Only for a server started with --allow-apply (build_server offers it on no other)."""

    async def apply_migration(
        migration_id: Annotated[str, Field(description="The migration_id from plan_migration's review",
                                           min_length=1, max_length=64)],
    ) -> dict[str, Any]:
        def work(engine):
            migration = engine.get_migration(migration_id.strip())
            section = calls.section(engine, migration["section_id"])
            command = f"polysynergy-content migrations apply {migration['id']}"
            if migration.get("is_destructive"):
                raise PolicyRefusal(
                    f"migration {migration['id']} of section '{section['handle']}' destroys data, and destructive "
                    f"migrations are never applied through this server; nothing was applied. Ask a person to "
                    f"review and apply it ({command})")
            applied = engine.apply_migration(migration["id"], confirm=False)
            return {"applied": True, "migration_id": applied.get("id"), "status": applied.get("status"),
                    "section": section["handle"]}

        return await calls.run(work)

    apply_migration.__doc__ = ("Apply a reviewed, non-destructive migration (by its migration_id). "
                               "Migrations that destroy data are refused: a person applies those. "
                               "Apply only after the user has seen the review and agreed.")
    server.add_tool(apply_migration, annotations=MAY_DESTROY)
