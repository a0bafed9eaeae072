"""The server's parts on their own: entry schema against the engine's validation, the policy,
error messages, redaction, the read-only URL."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from polysynergy_nodes_content.content_engine.errors import InvalidInput, NotFound, PendingMigration
from polysynergy_nodes_content.mcp_server.engine_access import read_only_url
from polysynergy_nodes_content.mcp_server.entry_schema import value_schema
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal, ServerPolicy
from polysynergy_nodes_content.mcp_server.redaction import Redactor
from polysynergy_nodes_content.mcp_server.tool_errors import describe_error
from polysynergy_section_field import default_registry

OPTIONS = {"options": ["hoog", "middel", {"value": "laag", "label": "Laag"}]}
ID = "6f1c1a3e-9d2b-4a43-8d7e-0d6c1f5b2a10"

# (type, settings, value, valid for both the engine and the schema)
CASES = [
    ("text", {"maxLength": 5}, "abc", True),
    ("text", {"maxLength": 5}, "abcdef", False),
    ("text", {"minLength": 2}, "a", False),
    ("text", {}, 12, False),
    ("textarea", {"maxLength": 10}, "two\nlines", True),
    ("integer", {"min": 0, "max": 10}, 7, True),
    ("integer", {"min": 0, "max": 10}, 11, False),
    ("integer", {}, 2.5, False),
    ("number", {"min": 0}, 2.5, True),
    ("number", {"min": 0}, -1, False),
    ("percentage", {"max": 1}, 0.25, True),
    ("decimal", {}, "12.50", True),
    ("decimal", {}, "twelve", False),
    ("currency", {}, "3.10", True),
    ("boolean", {}, True, True),
    ("boolean", {}, [], False),
    ("date", {}, "2026-01-31", True),
    ("date", {}, "31-01-2026", False),
    ("datetime", {}, "2026-01-31T10:00:00+00:00", True),
    ("datetime", {}, "yesterday", False),
    ("time", {}, "10:30:00", True),
    ("time", {}, "half past ten", False),
    ("select", OPTIONS, "laag", True),
    ("select", OPTIONS, "hoog", True),
    ("select", OPTIONS, "very high", False),
    ("multi_select", OPTIONS, ["hoog", "laag"], True),
    ("multi_select", OPTIONS, ["hoog", "nope"], False),
    ("multi_select", {**OPTIONS, "maxItems": 1}, ["hoog", "laag"], False),
    ("multi_select", OPTIONS, "hoog", False),
    ("email", {}, "ada@example.org", True),
    ("email", {}, "not an email", False),
    ("url", {}, "https://example.org/page", True),
    ("url", {}, "not a url", False),
    ("relation", {"targetSection": "people"}, ID, True),
    ("relation", {"targetSection": "people"}, "not-a-uuid", False),
    ("relation", {"targetSection": "people", "allowMultiple": True}, [ID], True),
    ("relation", {"targetSection": "people", "allowMultiple": True}, ID, False),
    ("json", {}, {"any": ["thing", 1]}, True),
]


@pytest.mark.parametrize("type_handle, settings, value, valid", CASES)
def test_entry_schema_and_engine_agree(type_handle, settings, value, valid):
    field_type = default_registry().get(type_handle)
    field_type.validate_settings(settings)
    engine_ok, _ = field_type.validate(value, settings)
    schema = value_schema(type_handle, settings)
    Draft202012Validator.check_schema(schema)
    schema_ok = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)
    assert (engine_ok, schema_ok) == (valid, valid)


def test_every_registered_type_has_a_schema_that_is_valid_json_schema():
    for field_type in default_registry():
        Draft202012Validator.check_schema(value_schema(field_type.handle, {}))


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
