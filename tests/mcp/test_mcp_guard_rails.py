"""Guard rails of the MCP server: allow-listed sections, read-only (flag and database role),
a cap on entries per call, and no database URL or password in anything it says."""

from __future__ import annotations

import asyncio
import socket
import uuid
from urllib.parse import quote

import psycopg
import pytest
from mcp_session import mcp_server
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from polysynergy_nodes_content.mcp_server.engine_access import read_only_url

PASSWORD = "Zq9-very-secret-pw"


def test_only_allow_listed_sections_exist_for_the_agent(database_url, research, engine):
    engine.create_section("salaries", "Salaries")
    engine.apply_migration(engine.plan_migration("salaries")["id"], confirm=True)

    async def session():
        async with mcp_server(database_url, "--sections", "research_companies", "--allow-schema-changes") as server:
            listed = await server.call("list_sections")
            assert [s["handle"] for s in listed["sections"]] == ["research_companies"]
            for name in ("salaries", "does_not_exist"):
                message = await server.refused("describe_section", section=name)
                assert f"section '{name}' is not available on this server" in message
                assert "research_companies" in message
            by_id = await server.refused("query_entries", section=engine.get_section("salaries")["id"])
            assert "not available on this server" in by_id
            assert "not available" in await server.refused("create_entries", section="salaries", entries=[{}])
            assert "not available" in await server.refused("create_section", handle="payroll", label="Payroll")
            assert "not available" in await server.refused("plan_migration", section="salaries")
            resources = [r.uri for r in (await server.client.list_resources()).resources]
            assert resources == ["content://sections/research_companies/schema"]
            with pytest.raises(Exception, match="not available"):
                await server.client.read_resource("content://sections/salaries/schema")

    asyncio.run(session())
    assert [s["handle"] for s in engine.list_sections()] == ["research_companies", "salaries"]


def test_read_only_flag_offers_reads_only_and_the_database_refuses_writes(database_url, research, engine):
    engine.create_entry("research_companies", {"company_name": "SWIS"})

    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            assert set(await server.tools()) == {"list_sections", "describe_section", "query_entries", "get_entry",
                                                 "aggregate_entries", "entry_history", "list_subscriptions"}
            assert (await server.call("list_sections"))["limits"]["read_only"] is True
            found = await server.call("query_entries", section="research_companies")
            assert [e["company_name"] for e in found["entries"]] == ["SWIS"]
            assert (await server.client.call_tool("create_entries", {"section": "research_companies",
                                                                     "entries": [{"company_name": "X"}]})).is_error

    asyncio.run(session())
    # The connections it uses cannot write, whatever a bug would try.
    with psycopg.connect(read_only_url(database_url)[0]) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO custom.research_companies (company_name) VALUES ('sneaky')")


def test_read_only_flag_cannot_be_combined_with_apply(database_url):
    async def session():
        async with mcp_server(database_url, "--read-only", "--allow-apply"):
            pass

    with pytest.raises(Exception):
        asyncio.run(session())


@pytest.fixture
def select_only_role(pg_admin_url, database_url, research, engine):
    """A login role with only SELECT (and BYPASSRLS, since content tables have RLS without policies)."""
    engine.create_entry("research_companies", {"company_name": "SWIS", "uses_kubernetes": True})
    role = f"mcp_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN BYPASSRLS PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(PASSWORD)))
    with psycopg.connect(database_url, autocommit=True) as conn:
        for schema in ("public", "custom"):
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), sql.Identifier(role)))
            conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(role)))
    params = conninfo_to_dict(database_url)
    params.update(user=role, password=PASSWORD)
    yield make_conninfo(**params)
    from polysynergy_nodes_content.content_engine.postgres.connections import close_pools

    close_pools()
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = {}").format(
            sql.Literal(role)))
        with psycopg.connect(database_url, autocommit=True) as db:
            db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def as_url(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    host = quote(params.get("host") or "127.0.0.1", safe="")  # a socket directory works too
    return f"postgresql://{params['user']}:{params['password']}@{host}:{params.get('port', 5432)}/{params['dbname']}"


def test_a_select_only_role_serves_reads_and_writes_fail_clearly(select_only_role):
    url = as_url(select_only_role)

    async def read_only():
        async with mcp_server(url, "--read-only") as server:
            listed = await server.call("list_sections")
            assert [s["handle"] for s in listed["sections"]] == ["research_companies"]
            described = await server.call("describe_section", section="research_companies")
            assert described["entry_schema"]["required"] == ["company_name"]
            found = await server.call("query_entries", section="research_companies",
                                      filters={"uses_kubernetes": True})
            assert [e["company_name"] for e in found["entries"]] == ["SWIS"]
            entry = await server.call("get_entry", section="research_companies", entry_id=found["entries"][0]["id"])
            assert entry["entry"]["company_name"] == "SWIS"
            read = await server.client.read_resource("content://sections/research_companies/schema")
            assert "company_name" in read.contents[0].text
            assert PASSWORD not in server.stderr() and "***" in server.stderr()

    async def without_the_flag():
        async with mcp_server(url) as server:
            message = await server.refused("create_entries", section="research_companies",
                                           entries=[{"company_name": "Acme"}])
            assert "permission denied" in message and "may only read" in message, message
            assert PASSWORD not in message
            assert (await server.call("query_entries", section="research_companies"))["total_count"] == 1

    asyncio.run(read_only())
    asyncio.run(without_the_flag())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("make_url", [
    lambda: f"postgresql://agent:{PASSWORD}@127.0.0.1:{closed_port()}/content",
    lambda: f"host=127.0.0.1 port={closed_port()} user=agent password={PASSWORD} dbname=content",
    lambda: f"postgresql://agent:{PASSWORD}@127.0.0.1:{closed_port()}/content?sslmode={PASSWORD}",
])
def test_a_connection_problem_never_shows_the_url_or_password(make_url):
    url = make_url()

    async def session():
        async with mcp_server(url, "--read-only") as server:
            assert set(await server.tools()), "the server starts and lists its tools while the database is down"
            message = await server.refused("list_sections")
            assert "cannot connect" in message or "invalid" in message, message
            assert "Nothing was changed" in message or "try again" in message.lower(), message
            assert (await server.client.list_resources()).resources == []
            stderr = server.stderr()
            for text in (message, stderr):
                assert PASSWORD not in text, text
                assert url not in text
            return message

    message = asyncio.run(session())
    assert "agent" in message or "127.0.0.1" in message or "sslmode" in message


def test_entries_per_call_are_capped(database_url, research):
    async def session():
        async with mcp_server(database_url, "--max-entries", "2") as server:
            tools = await server.tools()
            assert tools["create_entries"].input_schema["properties"]["entries"]["maxItems"] == 2
            assert tools["query_entries"].input_schema["properties"]["limit"]["maximum"] == 2
            three = [{"company_name": name} for name in ("A", "B", "C")]
            message = await server.refused("create_entries", section="research_companies", entries=three)
            assert "3 entries is more than this server allows in one call (2)" in message, message
            assert "split the work" in message and "validation error" not in message
            await server.call("create_entries", section="research_companies", entries=three[:2])
            await server.call("create_entries", section="research_companies", entries=three[2:])
            too_many = await server.refused("query_entries", section="research_companies", limit=3)
            assert "limit 3 is outside 1 to 2" in too_many and "page with offset" in too_many, too_many
            assert "at least one" in await server.refused("create_entries", section="research_companies", entries=[])
            page = await server.call("query_entries", section="research_companies", order_by="company_name")
            assert [e["company_name"] for e in page["entries"]] == ["A", "B"] and page["total_count"] == 3
            assert (await server.call("list_sections"))["limits"]["max_entries_per_call"] == 2

    asyncio.run(session())


def test_a_read_only_server_installs_nothing_and_says_how_to(database_url):
    async def session():
        async with mcp_server(database_url, "--read-only") as server:
            message = await server.refused("list_sections")
            assert "read-only server does not install anything" in message and "polysynergy-content init" in message

    asyncio.run(session())
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT to_regclass('public.sections')").fetchone()[0] is None, "nothing was created"


@pytest.fixture
def people_and_contacts(engine, research):
    people = engine.create_section("people", "People")
    engine.add_field(people["id"], "name", "Name", "text", is_required=True, is_unique=True)
    engine.apply_migration(engine.plan_migration(people["id"])["id"], confirm=True)
    engine.add_field(research["id"], "contact", "Contact", "relation", {"targetSection": "people"})
    engine.apply_migration(engine.plan_migration(research["id"])["id"], confirm=True)
    ada = engine.create_entry("people", {"name": "Ada"})
    engine.create_entry("research_companies", {"company_name": "SWIS", "contact": ada["id"]})
    return ada


def test_relations_do_not_lead_out_of_the_allow_list(database_url, people_and_contacts):
    ada = people_and_contacts

    async def restricted():
        async with mcp_server(database_url, "--sections", "research_companies") as server:
            for arguments in ({"fields": ["company_name", "contact.name"]},
                              {"filters": {"contact": {"name": "Ada"}}},
                              {"filters": {"_or": [{"company_name": "x"}, {"contact": {"_some": {"name": "Ada"}}}]}}):
                message = await server.refused("query_entries", section="research_companies", **arguments)
                assert "section 'people' does not exist" in message, message
            by_id = await server.call("query_entries", section="research_companies", filters={"contact": ada["id"]},
                                      fields=["company_name", "contact"])
            assert by_id["entries"] == [{"id": by_id["entries"][0]["id"], "company_name": "SWIS", "contact": ada["id"]}]
            written_by_field = await server.refused("create_entries", section="research_companies",
                                                    entries=[{"company_name": "Acme", "contact": {"name": "Ada"}}])
            assert "section 'people' does not exist" in written_by_field
            await server.call("create_entries", section="research_companies",
                              entries=[{"company_name": "Acme", "contact": ada["id"]}])

    async def both_served():
        async with mcp_server(database_url, "--sections", "research_companies,people") as server:
            found = await server.call("query_entries", section="research_companies",
                                      filters={"contact": {"name": "Ada"}}, fields=["company_name", "contact.name"],
                                      order_by="company_name")
            assert [(e["company_name"], e["contact"]["name"]) for e in found["entries"]] == [("Acme", "Ada"),
                                                                                          ("SWIS", "Ada")]

    asyncio.run(restricted())
    asyncio.run(both_served())
