"""Entry history: captured by the database (``sql/007_history.sql``; switched per section by
the migration operations in ``migrations/operations/history.py``), read, restored, undone
and pruned from here. The write context travels with each writing transaction.

It stands below ``config`` and ``entries`` (they set the context and check its settings)
and reaches the entry API only through the engine it is handed, so it imports no part
above it.

This face is what other packages and the rest of the pack may import from here.
"""

from .context import WriteContext, last_run_id, new_change_id, remember, set_context, stamped
from .facade import HistoryMethods
from .names import FieldNames, field_names
from .settings import check_history_settings

__all__ = [
    "FieldNames",
    "HistoryMethods",
    "WriteContext",
    "check_history_settings",
    "field_names",
    "last_run_id",
    "new_change_id",
    "remember",
    "set_context",
    "stamped",
]
