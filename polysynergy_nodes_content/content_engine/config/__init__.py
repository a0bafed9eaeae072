"""Sections and fields as configured (the desired state, in the system tables): the
store, the reader, the consistency checks that keep it plannable, restore on rollback.

This face is what other packages and the rest of the pack may import from here.
"""

from ..identifiers import check_identifier
from .removal import remove_section
from .store import UI_WIDTHS, ConfigStore

__all__ = [
    "check_identifier",
    "ConfigStore",
    "UI_WIDTHS",
    "remove_section",
]
