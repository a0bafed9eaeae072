"""Descriptors: what any front end needs to draw a section, as plain JSON.

Each is a pure function of a section's configuration (as ``ContentEngine.get_section``
returns it) or of a migration record, so a web page, the PolySynergy portal or an
agent can render forms, tables and migration reviews without knowing the engine.
"""

from .diagram import mermaid_er
from .form import form_descriptor
from .portal_layout import portal_layout_config
from .related_titles import MAX_LOOKUP, get_with_titles, query_with_titles, title_field, titles_by_id
from .review import review_descriptor
from .schema import entry_schema
from .section_view import default_of, section_fields
from .table import table_descriptor, with_related_titles

__all__ = [
    "MAX_LOOKUP",
    "default_of",
    "entry_schema",
    "form_descriptor",
    "get_with_titles",
    "mermaid_er",
    "portal_layout_config",
    "query_with_titles",
    "review_descriptor",
    "section_fields",
    "table_descriptor",
    "title_field",
    "titles_by_id",
    "with_related_titles",
]
