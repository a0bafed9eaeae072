"""Aggregates, and changes of many entries at once, for agents.

``aggregate_entries`` only reads: it is offered on a read-only server too, and returns at
most ``--max-entries`` groups (a group per value would otherwise list a whole column).

``update_entries`` and ``delete_entries`` change the entries a filter matches. What keeps
an agent from changing more than it meant:

- ``confirm`` defaults to false, and then nothing changes: the answer is how many entries
  would, so the agent (and the person it works for) can check before the real call;
- a filter is required. An empty or missing one is refused, never read as "everything";
  every entry of a section takes ``all_entries: true`` *instead of* filters, so it is
  always said in so many words;
- one call changes at most ``--max-entries`` entries. The cap is checked inside the
  transaction that makes the change, on the locked rows, so entries that start matching
  between the preview and the confirmed call cannot slip past it.
"""

from typing import Annotated, Any

from mcp.types import ToolAnnotations
from pydantic import Field

from polysynergy_nodes_content.content_engine.entries import TooManyMatches, unconditional
from polysynergy_nodes_content.content_engine.errors import InvalidInput
from polysynergy_nodes_content.mcp_server.calls import ToolCalls
from polysynergy_nodes_content.mcp_server.content_tools import DELETES, READS, SectionName
from polysynergy_nodes_content.mcp_server.policy import PolicyRefusal

#: Overwrites values of many entries (hence destructive), the same way when repeated.
CHANGES_MANY = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                               open_world_hint=False)
EVERY_ENTRY = {"id": {"_nnull": True}}

Filters = Annotated[dict[str, Any] | None, Field(
    description='Which entries: {"field": value}, {"field": {"_lt": 5}}, {"_or": [...]}, related fields as '
                '{"author": {"name": "Ada"}} (describe_section lists each field\'s operators). Required: an empty '
                "filter is refused; use all_entries instead to mean every entry.")]
AllEntries = Annotated[bool, Field(
    description="true to mean every entry of the section; only without filters")]
Confirm = Annotated[bool, Field(
    description="false (default): change nothing, only say how many entries match. true: make the change "
                "(check the count with the person first)")]


def register_aggregate_tool(server, calls: ToolCalls) -> None:
    policy = calls.policy

    async def aggregate_entries(
        section: SectionName,
        aggregates: Annotated[dict[str, Any], Field(
            description='Functions over fields: {"count": "*", "sum": ["price"], "avg": ["views"], "min": [...], '
                        '"max": [...], "countDistinct": [...]}; sum and avg take number fields')],
        group_by: Annotated[list[str] | None, Field(
            description="Fields to group by (at most 5), e.g. [\"status\"]; omit for one group of all entries",
            max_length=5)] = None,
        filters: Annotated[dict[str, Any] | None, Field(
            description="Only entries matching this filter (the language of query_entries); omit for all")] = None,
    ) -> dict[str, Any]:
        """Count, sum, average, min and max over a section's entries, optionally grouped and filtered; returns
        one object per group. Reads only."""
        def work(engine):
            found = calls.section(engine, section)
            result = engine.aggregate_entries(found["handle"], aggregates, group_by=group_by or None,
                                              filters=filters or None)
            groups = len(result["groups"])
            if groups > policy.max_entries:
                raise PolicyRefusal(
                    f"group_by: {groups} groups is more than this server returns in one call ({policy.max_entries}); "
                    "add filters, or group by fewer or coarser fields, and call again")
            return result

        return await calls.run(work)

    server.add_tool(aggregate_entries, annotations=READS)


def _filter_or_all(filters, all_entries: bool) -> dict:
    """The filter to apply: the given one, or every entry when said explicitly."""
    if all_entries:
        if filters:
            raise InvalidInput("all_entries is true and filters are given: give one of them (filters to change "
                               "some entries, or all_entries: true and no filters for every entry)",
                               field="all_entries")
        return EVERY_ENTRY
    if unconditional(filters):
        raise InvalidInput("filters is required: an empty filter would match every entry of the section. Give "
                           "filters that select the entries, or all_entries: true to mean every entry",
                           field="filters")
    return filters


def _outcome(result: dict, tool: str, done_key: str, cap: int) -> dict:
    """The engine's result, with the cap and the next step an agent should take."""
    matched = result["matched"]
    if result["confirmed"]:
        step = f"done: {result[done_key]} entries {done_key}"
    elif matched == 0:
        step = "no entry matches: nothing to do (check the filters with query_entries)"
    elif matched > cap:
        step = (f"{matched} entries is more than this server changes in one call ({cap}); confirm: true would be "
                "refused. Narrow filters so at most that many match and work through them in parts")
    else:
        step = f"nothing changed yet: call {tool} again with the same arguments and confirm: true to change them"
    return {**result, "max_entries": cap, "next_step": step}


def _too_many(error: TooManyMatches, tool: str) -> PolicyRefusal:
    return PolicyRefusal(
        f"filters: they match {error.matched} entries, more than this server changes in one call "
        f"({error.limit}, its --max-entries); nothing was changed. Narrow filters (add a condition on a field, "
        f"e.g. a range of created_at) so at most {error.limit} match, and call {tool} once per part")


def register_bulk_tools(server, calls: ToolCalls) -> None:
    policy = calls.policy

    async def update_entries(
        section: SectionName,
        values: Annotated[dict[str, Any], Field(description="The field values to set on every matching entry, "
                                                            "by field handle")],
        filters: Filters = None,
        all_entries: AllEntries = False,
        confirm: Confirm = False,
    ) -> dict[str, Any]:
        """Set the same field values on every entry a filter matches, validated like update_entry, all or
        nothing. Without confirm it only counts them: call it that way first."""
        def work(engine):
            found = calls.section(engine, section)
            target = _filter_or_all(filters, all_entries)
            try:
                result = engine.update_entries(found["handle"], target, values, confirm=confirm,
                                               max_entries=policy.max_entries)
            except TooManyMatches as error:
                raise _too_many(error, "update_entries") from None
            return _outcome(result, "update_entries", "updated", policy.max_entries)

        return await calls.run(work)

    async def delete_entries(
        section: SectionName,
        filters: Filters = None,
        all_entries: AllEntries = False,
        confirm: Confirm = False,
    ) -> dict[str, Any]:
        """Delete every entry a filter matches, all or nothing. This cannot be undone: call it without confirm
        first, show the count to the user, and confirm only with their agreement."""
        def work(engine):
            found = calls.section(engine, section)
            target = _filter_or_all(filters, all_entries)
            try:
                result = engine.delete_entries(found["handle"], target, confirm=confirm,
                                               max_entries=policy.max_entries)
            except TooManyMatches as error:
                raise _too_many(error, "delete_entries") from None
            return _outcome(result, "delete_entries", "deleted", policy.max_entries)

        return await calls.run(work)

    server.add_tool(update_entries, annotations=CHANGES_MANY)
    server.add_tool(delete_entries, annotations=DELETES)
