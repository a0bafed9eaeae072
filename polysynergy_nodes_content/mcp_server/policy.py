"""What one MCP server may do: its sections, whether it writes, changes schemas or applies.

Every limit is chosen when the server starts (command-line flags), so an agent cannot
talk its way past one: a tool the policy does not allow is not offered at all, and a
section outside the allow-list does not exist as far as the agent can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from polysynergy_nodes_content.content_engine.config import check_identifier

DEFAULT_MAX_ENTRIES = 100
MAX_ENTRIES_LIMIT = 1000  # the engine's own ceiling for one query


class PolicyRefusal(Exception):
    """A request this server's policy does not allow; the message says what to do instead."""


@dataclass(frozen=True)
class ServerPolicy:
    #: Section handles this server may touch; None means every section.
    sections: frozenset[str] | None = None
    read_only: bool = False
    allow_schema_changes: bool = False
    allow_apply: bool = False
    #: Offer restore_entry and undo_run (entry history's writes).
    allow_undo: bool = False
    #: Most entries one call may create or return.
    max_entries: int = DEFAULT_MAX_ENTRIES

    def __post_init__(self):
        if not 1 <= self.max_entries <= MAX_ENTRIES_LIMIT:
            raise ValueError(f"max entries per call must be between 1 and {MAX_ENTRIES_LIMIT}, got {self.max_entries}")
        if self.read_only and (self.allow_schema_changes or self.allow_apply or self.allow_undo):
            raise ValueError("--read-only cannot be combined with --allow-schema-changes, --allow-apply or --allow-undo")
        for handle in self.sections or ():
            check_identifier(handle, "section in --sections")

    @classmethod
    def from_options(cls, sections: str | None = None, **flags) -> "ServerPolicy":
        """``sections`` as given on the command line: ``"a,b"``; empty means all."""
        handles = frozenset(s.strip() for s in (sections or "").split(",") if s.strip())
        return cls(sections=handles or None, **flags)

    # -- checks ---------------------------------------------------------------------------
    def allows_section(self, handle: str) -> bool:
        return self.sections is None or handle in self.sections

    def check_section(self, handle: str) -> None:
        if not self.allows_section(handle):
            raise PolicyRefusal(self.unknown_section_message(handle))

    def unknown_section_message(self, name: str) -> str:
        listed = ", ".join(sorted(self.sections or ())) or "none"
        return (f"section '{name}' is not available on this server (sections it serves: {listed}); "
                "call list_sections to see them")

    def check_count(self, count: int, what: str) -> None:
        if count > self.max_entries:
            raise PolicyRefusal(
                f"{what}: {count} entries is more than this server allows in one call ({self.max_entries}); "
                "split the work into calls of at most that many"
            )

    def check_limit(self, limit: int) -> None:
        if not 1 <= limit <= self.max_entries:
            raise PolicyRefusal(
                f"limit {limit} is outside 1 to {self.max_entries} (this server's cap on entries per call); "
                "ask for at most that many and page with offset"
            )

    def describe(self) -> dict:
        """The limits, as shown to the agent (describe_section, the server's instructions)."""
        return {
            "sections": sorted(self.sections) if self.sections is not None else "all",
            "read_only": self.read_only,
            "schema_changes": self.allow_schema_changes,
            "apply_migrations": self.allow_apply and not self.read_only,
            "destructive_migrations": False,
            "undo": self.allow_undo and not self.read_only,
            "max_entries_per_call": self.max_entries,
        }
