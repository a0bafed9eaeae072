"""Schema as code: the content model in a YAML file, checked against a shipped JSON Schema,
planned against any database as reviewed migrations, applied in order, and compared for drift.

This face is what other packages and the rest of the pack may import from here.
"""

from .document import check_schema_file, format_schema
from .drift import schema_drift
from .export import export_schema
from .facade import SchemaFileMethods
from .promote import apply_schema, plan_schema

__all__ = [
    "SchemaFileMethods",
    "apply_schema",
    "check_schema_file",
    "export_schema",
    "format_schema",
    "plan_schema",
    "schema_drift",
]
