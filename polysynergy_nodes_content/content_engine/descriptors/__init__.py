"""Descriptors: what any front end needs to draw a section, as plain JSON.

Each is a pure function of a section's configuration (as ``ContentEngine.get_section``
returns it) or of a migration record, so a web page, the PolySynergy portal or an
agent can render forms, tables and migration reviews without knowing the engine.
"""

from .form import form_descriptor
from .portal_layout import portal_layout_config
from .review import review_descriptor
from .schema import entry_schema
from .table import table_descriptor

__all__ = ["form_descriptor", "entry_schema", "table_descriptor", "review_descriptor", "portal_layout_config"]
