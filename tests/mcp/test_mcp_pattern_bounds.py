"""Finding 3 over the real MCP client: a value written against a catastrophic pattern
(a json field's JSON-Schema ``pattern``, and a text ``pattern`` only Python's engine reads)
is answered at once and the server keeps answering. Before the fix one such write held the
whole server process for seconds (minutes at this length), so this test timed out."""

from __future__ import annotations

import asyncio

from mcp_session import mcp_server

EVIL = "a" * 40 + "!"  # ^(a+)+$ backtracks for 2^40 steps on Python's re


def test_a_catastrophic_pattern_cannot_hold_the_server(engine, research, database_url):
    engine.add_field(research["id"], "meta", "Meta", "json",
                     {"schema": {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}}}})
    # A back reference: RE2 cannot read it, so it runs on Python's re under the time bound.
    engine.add_field(research["id"], "tag", "Tag", "text", {"pattern": r"^(a+)+\1?$"})
    engine.apply_migration(engine.plan_migration(research["id"])["id"], confirm=True)

    async def scenario():
        async with mcp_server(database_url) as server:
            for field, value in (("meta", {"code": EVIL}), ("tag", EVIL)):
                refused = await asyncio.wait_for(server.refused(
                    "create_entries", section="research_companies",
                    entries=[{"company_name": f"Evil {field}", field: value}]), timeout=30)
                assert f"field '{field}'" in refused
            # The server is still answering, and ordinary values pass both patterns.
            created = await asyncio.wait_for(server.call(
                "create_entries", section="research_companies",
                entries=[{"company_name": "Fine", "meta": {"code": "aaaa"}, "tag": "aaaa"}]), timeout=30)
            assert [e["company_name"] for e in created["created"]] == ["Fine"]

    asyncio.run(scenario())
