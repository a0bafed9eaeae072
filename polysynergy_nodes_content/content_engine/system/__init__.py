"""The engine's own schema: installing and upgrading it from ``sql/``, keeping it away
from the API roles, and the field-type table.

This face is what other packages and the rest of the pack may import from here.
"""

from .field_type_table import sync_field_types, unsynced_handles
from .install import install_system_schema, installed_version, migration_files
from .junction_indexes import build_source_indexes
from .privacy import API_ROLES, grantees, private_table_sql

__all__ = [
    "API_ROLES",
    "build_source_indexes",
    "grantees",
    "install_system_schema",
    "installed_version",
    "migration_files",
    "private_table_sql",
    "sync_field_types",
    "unsynced_handles",
]
