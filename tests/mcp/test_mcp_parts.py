"""The server's parts on their own: the policy, error messages, redaction, the read-only URL."""

from __future__ import annotations

import pytest

from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound, PendingMigration
from polysynergy_nodes_content.mcp_server.engine_access import read_only_url
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal, ServerPolicy
from polysynergy_nodes_content.mcp_server.redaction import Redactor
from polysynergy_nodes_content.mcp_server.tool_errors import describe_error


def test_policy_limits_and_messages():
    policy = ServerPolicy.from_options("research_companies, people", max_entries=5)
    assert policy.sections == frozenset({"research_companies", "people"})
    assert policy.allows_section("people") and not policy.allows_section("salaries")
    with pytest.raises(PolicyRefusal, match=r"section 'salaries' is not available on this server \(sections it "
                                            r"serves: people, research_companies\)"):
        policy.check_section("salaries")
    with pytest.raises(PolicyRefusal, match=r"6 entries is more than this server allows in one call \(5\)"):
        policy.check_count(6, "entries")
    assert ServerPolicy.from_options("").sections is None
    with pytest.raises(ValueError, match="read-only"):
        ServerPolicy(read_only=True, allow_apply=True)
    with pytest.raises(ValueError, match="between 1 and 1000"):
        ServerPolicy(max_entries=0)
    with pytest.raises(InvalidInput):
        ServerPolicy.from_options("Bad Name")


def test_error_messages_name_the_field_and_say_what_to_do_next():
    message = describe_error(InvalidInput("must be one of hoog, middel, laag", field="kubernetes_confidence"))
    assert message.startswith("must be one of hoog, middel, laag (field 'kubernetes_confidence').")
    assert "describe_section" in message
    batch = describe_error(InvalidInput("field 'a': is required", field="a", index=3))
    assert "(item 3 of the list, counting from 0)" in batch and batch.count("'a'") == 1
    assert "list_sections" in describe_error(NotFound("section 'x' does not exist", field="section"))
    assert "plan_migration" in describe_error(PendingMigration("apply the pending migration"))
    assert describe_error(KeyError("secret internals")).startswith("unexpected KeyError")


@pytest.mark.parametrize("url", [
    "postgresql://agent:S3cr%40t-pw@db.example:5432/content",
    "postgresql://agent@db.example/content?password=S3cr@t-pw&sslmode=require",
    "host=db.example user=agent password=S3cr@t-pw dbname=content",
])
def test_redaction_removes_the_url_and_every_spelling_of_its_password(url):
    redact = Redactor(url)
    text = redact(f"failed: {url} (password S3cr@t-pw, encoded S3cr%40t-pw)")
    assert "S3cr@t-pw" not in text and "S3cr%40t-pw" not in text and url not in text
    assert "***" in text


def test_read_only_url_keeps_the_connection_and_the_prepared_statements_choice():
    conninfo, prepared = read_only_url("postgresql://u:p@h:6543/d?prepared_statements=true&options=-c%20search_path%3Dx")
    assert prepared is True
    assert "default_transaction_read_only=on" in conninfo and "search_path=x" in conninfo
    assert read_only_url("postgresql://u:p@h:6543/d")[1] is False  # the transaction pooler's port
    assert read_only_url("host=h dbname=d")[1] is None
