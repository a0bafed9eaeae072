"""Deleting a section: what happens depends on whether it ever got a table.

Without a table its configuration is deleted at once. With one, the section is
deactivated and its next migration archives the table (destructive, confirmed at apply),
so rolling that migration back restores the data. A section other sections' relations
point at is never removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from .store import ConfigStore


@dataclass
class Removal:
    #: The configuration is gone (now, or earlier when its table was archived).
    deleted: bool
    section: dict
    #: Its table was archived by an earlier migration: nothing was left to do.
    already_deleted: bool = False

    @property
    def needs_migration(self) -> bool:
        return not self.deleted


def remove_section(store: ConfigStore, ref) -> Removal:
    """Delete or deactivate the section, in the store's transaction."""
    found = store.find_section(ref, lock=True)
    referencing = store.referencing_fields(found)
    if referencing:
        raise InvalidInput(
            f"section '{found['handle']}' is the target of relation field(s) {', '.join(referencing)}; "
            "remove or retarget those fields first",
            field="section",
        )
    if found["applied_state"] is None:
        store.delete_section_config(found["id"])
        return Removal(True, found)
    if not found["is_active"] and found["applied_state"]["section"].get("is_active") is False:
        return Removal(True, found, already_deleted=True)
    store.update_section(found["id"], {"is_active": False})
    return Removal(False, found)
