"""Entries: validated writes, reads, queries, batches, upserts, bulk changes and
aggregates over a section's applied table.

This face is what other packages and the rest of the pack may import from here.
"""

from .batch import KEPT_COLUMNS
from .bulk import TooManyMatches
from .links import links_of, read_links
from .entry_ids import parse_entry_id
from .model import FieldModel, SectionModel
from .query import FilterCompiler, compile_order_by, unconditional
from .references import resolve_references
from .relation_keys import keyed_relation, section_key
from .rows import keep_times, output_row
from .service import EntryService
from .system_fields import ENTRY_ID, system_field
from .write_errors import MISSING_TARGET, explain_db_error

__all__ = [
    "ENTRY_ID",
    "system_field",
    "EntryService",
    "FieldModel",
    "FilterCompiler",
    "KEPT_COLUMNS",
    "MISSING_TARGET",
    "SectionModel",
    "TooManyMatches",
    "compile_order_by",
    "explain_db_error",
    "keep_times",
    "links_of",
    "output_row",
    "parse_entry_id",
    "read_links",
    "keyed_relation",
    "resolve_references",
    "section_key",
    "unconditional",
]
