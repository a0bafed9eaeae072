"""PostgreSQL itself: connections and pools, the pooler in front, the embedded server,
the live catalog, generated object names, lock holders, bounded reads and full-text
search expressions. Knows nothing of sections' configuration.

This face is what other packages and the rest of the pack may import from here.
"""

from .catalog import LiveSection, read_section, section_table_of, table_exists
from .connection_check import check_connection, mask_url
from .connections import (
    URL_ENV_VARS,
    close_pools,
    get_pool,
    resolve_database_url,
    resolve_read_url,
    split_url_options,
    url_options,
)
from .embedded import (
    DEFAULT_DATABASE,
    embedded_status,
    embedded_url,
    psql_command,
    recreate_database,
    start_embedded,
    stop_embedded,
)
from .generated_names import SECTION_MARK, archived_name, foreign_key_name, junction_table_name, unique_name
from .locks import describe_holders, lock_holders, relation_oids, section_relations
from .pooler import CONNECT_TIMEOUT_SECONDS, Pooler, check_mode, detect
from .read_limits import (
    FilterLimits,
    ReadCancel,
    cancellable_reads,
    cancelled_read,
    check_filter_size,
    read_transaction,
)
from .text_search import (
    CONFIG,
    check_search,
    document,
    is_search_index,
    search_condition,
    search_index_name,
    text_fields,
)

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "DEFAULT_DATABASE",
    "embedded_status",
    "embedded_url",
    "psql_command",
    "recreate_database",
    "check_connection",
    "mask_url",
    "CONFIG",
    "FilterLimits",
    "LiveSection",
    "Pooler",
    "ReadCancel",
    "SECTION_MARK",
    "URL_ENV_VARS",
    "archived_name",
    "cancellable_reads",
    "cancelled_read",
    "check_filter_size",
    "check_mode",
    "check_search",
    "close_pools",
    "describe_holders",
    "detect",
    "document",
    "foreign_key_name",
    "get_pool",
    "is_search_index",
    "junction_table_name",
    "lock_holders",
    "read_section",
    "read_transaction",
    "relation_oids",
    "resolve_database_url",
    "resolve_read_url",
    "search_condition",
    "search_index_name",
    "section_relations",
    "section_table_of",
    "split_url_options",
    "start_embedded",
    "stop_embedded",
    "table_exists",
    "text_fields",
    "unique_name",
    "url_options",
]
