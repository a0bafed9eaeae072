"""The ContentTools node: an Agno toolkit over the MCP server's own tools, called through Agno.

Every call goes through Agno's function-calling machinery (``FunctionCall.aexecute`` on
the toolkit's ``Function`` objects, as an agent runs a model's tool call), against the
real PostgreSQL server; no model is involved. The guards are the MCP server's: the
section allow-list, read-only mode (no write tools, read-only transactions) and the
cap on entries per call.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from content_node_contract import PACKAGE_DIR
from content_node_harness import REAL_RUNTIME

agno_function = pytest.importorskip("agno.tools.function")
from agno.tools import Toolkit  # noqa: E402

from polysynergy_nodes_content.agent_tools.content_tools import ContentTools  # noqa: E402

READ_TOOLS = ["list_sections", "describe_section", "query_entries", "get_entry", "aggregate_entries"]
WRITE_TOOLS = ["create_entries", "update_entry"]


def toolkit(make_node, database_url, **inputs) -> Toolkit:
    """The toolkit as PolySynergy's agent gets it: ``await node.provide_instance()``."""
    node = make_node(ContentTools, database_url=database_url, **inputs)
    return asyncio.run(node.provide_instance())


def call(kit: Toolkit, name: str, **arguments):
    """Run one tool call the way an Agno agent does, and read its JSON answer."""
    function = kit.functions[name]
    outcome = asyncio.run(agno_function.FunctionCall(function=function, arguments=arguments).aexecute())
    assert outcome.status == "success", outcome.error
    return json.loads(outcome.result)


@pytest.fixture
def second_section(engine, research_section):
    section = engine.create_section("private_notes", "Private Notes")
    engine.add_field(section["id"], handle="body", label="Body", field_type_handle="text")
    engine.apply_migration(engine.plan_migration(section["id"])["id"], confirm=True)
    engine.create_entry("private_notes", {"body": "salary list"})
    return section


def test_the_node_follows_polysynergys_tool_provider_pattern(make_node):
    description = ContentTools().to_dict()
    variables = {v["handle"]: v for v in description["variables"]}
    assert variables["agent_or_team"]["has_in"] is True
    assert variables["database_url"]["dock"]["secret"] is True
    assert description["icon"].lstrip().startswith("<svg")
    assert description["has_documentation"] is True
    assert (PACKAGE_DIR / "agent_tools" / "ContentTools_README.md").exists()


def test_typed_tools_read_and_write_through_agno(make_node, database_url, research_section):
    kit = toolkit(make_node, database_url)
    assert list(kit.functions) == READ_TOOLS + WRITE_TOOLS
    query = kit.functions["query_entries"].to_dict()["parameters"]
    assert query["properties"]["limit"]["type"] == "integer" and query["properties"]["limit"]["maximum"] == 100
    assert query["properties"]["filters"]["anyOf"][0]["type"] == "object"
    assert "section" in query["required"]

    sections = call(kit, "list_sections")
    assert [s["handle"] for s in sections["sections"]] == ["research_companies"]
    created = call(kit, "create_entries", section="research_companies",
                   entries=[{"company_name": "SWIS", "uses_kubernetes": True}, {"company_name": "Acme"}])
    assert created["count"] == 2
    swis = next(e for e in created["created"] if e["company_name"] == "SWIS")
    updated = call(kit, "update_entry", section="research_companies", entry_id=swis["id"],
                   values={"industry": "Software"})
    assert updated["entry"]["industry"] == "Software"
    found = call(kit, "query_entries", section="research_companies", filters={"uses_kubernetes": True}, limit=5)
    assert [e["company_name"] for e in found["entries"]] == ["SWIS"] and found["total_count"] == 1
    assert call(kit, "get_entry", section="research_companies", entry_id=swis["id"])["entry"]["industry"] == "Software"
    counted = call(kit, "aggregate_entries", section="research_companies", aggregates={"count": "*"},
                   group_by=["uses_kubernetes"])
    by_group = {group["group"]["uses_kubernetes"]: group["count"] for group in counted["groups"]}
    assert by_group == {True: 1, None: 1}


def test_arguments_are_validated_against_the_typed_signature(make_node, database_url, research_section):
    kit = toolkit(make_node, database_url)
    answer = call(kit, "query_entries", section="research_companies", limit="many")
    assert "argument 'limit'" in answer["error"] and "integer" in answer["error"]
    answer = call(kit, "create_entries", section="research_companies", entries=[{"company_name": "X", "uses_kubernetes": "perhaps"}])
    assert "uses_kubernetes" in answer["error"] and "Fix that value" in answer["error"]


def test_sections_outside_the_allow_list_do_not_exist_for_the_agent(make_node, database_url, second_section):
    kit = toolkit(make_node, database_url, sections="research_companies")
    assert [s["handle"] for s in call(kit, "list_sections")["sections"]] == ["research_companies"]
    for name, arguments in [("query_entries", {}), ("describe_section", {}),
                            ("create_entries", {"entries": [{"body": "x"}]})]:
        answer = call(kit, name, section="private_notes", **arguments)
        assert "not available" in answer["error"] and "list_sections" in answer["error"], name
    assert "entries" not in json.dumps(call(kit, "query_entries", section="private_notes"))


def test_read_only_offers_no_write_tool_and_the_database_refuses_writes(make_node, database_url, research_section):
    kit = toolkit(make_node, database_url, read_only="true")
    assert list(kit.functions) == READ_TOOLS
    assert call(kit, "query_entries", section="research_companies")["entries"] == []
    engine = kit.calls.access.engine()  # the engine behind every tool of this toolkit
    with pytest.raises(Exception, match="read-only transaction"):
        engine.create_entry("research_companies", {"company_name": "Sneaky"})


def test_the_cap_per_call_refuses_bigger_reads_and_writes(make_node, database_url, research_section):
    kit = toolkit(make_node, database_url, max_entries="2")
    assert kit.functions["create_entries"].to_dict()["parameters"]["properties"]["entries"]["maxItems"] == 2
    answer = call(kit, "query_entries", section="research_companies", limit=3)
    assert "limit 3 is outside 1 to 2" in answer["error"] and "offset" in answer["error"]
    answer = call(kit, "create_entries", section="research_companies",
                  entries=[{"company_name": name} for name in ("A", "B", "C")])
    assert "3 entries is more than" in answer["error"]
    assert call(kit, "query_entries", section="research_companies", limit=2)["total_count"] == 0


def test_a_bad_policy_input_is_refused_when_the_agent_asks_for_the_tools(make_node, database_url):
    with pytest.raises(ValueError, match="between 1 and 1000"):
        toolkit(make_node, database_url, max_entries=0)
    with pytest.raises(ValueError, match="section in --sections"):
        toolkit(make_node, database_url, sections="Bad-Name")


@pytest.mark.skipif(not REAL_RUNTIME, reason="polysynergy_node_runner is not installed")
def test_the_generated_node_resolves_its_secret_and_provides_the_toolkit(database_url, research_section,
                                                                        monkeypatch, no_database_env):
    """As PolySynergy's agent does: ``_resolve_secret()``, then ``await provide_instance()``."""
    from polysynergy_node_runner.execution_context.executable_node import ExecutableNode
    from polysynergy_node_runner.services.codegen.steps.unify_node_code import unify_node_code
    from test_content_node_codegen import real_context

    collected: set[str] = set()
    body = unify_node_code((PACKAGE_DIR / "agent_tools" / "content_tools.py").read_text(encoding="utf-8"),
                           collected, 1.0)
    namespace = {"__name__": "generated_flow", "ExecutableNode": ExecutableNode}
    exec(compile("\n".join(sorted(collected) + [body]), "<generated flow>", "exec"), namespace)
    monkeypatch.setenv("PROJECT_ID", "project-1")
    context = real_context({"CONTENT_DB": database_url})
    node = namespace["ContentToolsV1_0"](id="n-tools", handle="contenttools", stateful=True, context=context)
    node.sections, node.read_only, node.max_entries = "research_companies", True, 10
    node.database_url = "<secret:CONTENT_DB>"
    node._resolve_secret()
    kit = asyncio.run(node.provide_instance())
    assert list(kit.functions) == READ_TOOLS
    assert [s["handle"] for s in call(kit, "list_sections")["sections"]] == ["research_companies"]
    assert context.secrets.asked == [("CONTENT_DB", "project-1", "mock")]
