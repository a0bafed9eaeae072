"""PolySynergy's handles through the real MCP client: an agent configures a many-to-one by
``relatedSection`` id and an image field, applies, writes and reads entries."""

from __future__ import annotations

import asyncio

from mcp_session import mcp_server


def test_an_agent_uses_polysynergy_handles_end_to_end(database_url, engine):
    people = engine.create_section("people")
    engine.add_field(people["id"], "name", None, "text")
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    ada = engine.create_entry("people", {"name": "Ada"})
    engine.create_section("posts")

    async def served():
        async with mcp_server(database_url, "--allow-schema-changes", "--allow-apply") as server:
            await server.call("add_field", section="posts", handle="author", type="relation_many_to_one",
                              settings={"relatedSection": str(people["id"]), "displayField": "name"})
            await server.call("add_field", section="posts", handle="cover", type="image",
                              settings={"allowedFormats": ["png"], "maxFileSize": 100})
            plan = await server.call("plan_migration", section="posts")
            await server.call("apply_migration", migration_id=plan["migration"]["id"]
                              if "migration" in plan else plan["id"], confirm=True)
            created = await server.call("create_entries", section="posts", entries=[
                {"author": ada["id"], "cover": {"path": "a.png", "size": 99}}])
            refused = await server.refused("create_entries", section="posts", entries=[
                {"author": ada["id"], "cover": {"path": "b.png", "size": 101}}])
            found = await server.call("query_entries", section="posts", filters={"author": {"name": "Ada"}})
            described = await server.call("describe_section", section="posts")
            return created, refused, found, described

    created, refused, found, described = asyncio.run(served())
    assert "field 'cover'" in refused and "maxFileSize" in refused
    assert [e["cover"] for e in found["entries"]] == ["a.png"]
    assert found["entries"][0]["author"] == ada["id"]
    assert "relation_many_to_one" in str(described) and "people" in str(described)
