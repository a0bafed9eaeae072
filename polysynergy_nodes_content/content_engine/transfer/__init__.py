"""Import and export of entries as CSV or JSON Lines: the stream, the files and their
cells, the dry run and references to rows further down a file.

This face is what other packages and the rest of the pack may import from here.
"""

from .facade import TransferMethods
from .stream import (
    DEFAULT_BATCH,
    FORMATS,
    ImportLineError,
    detect_format,
    export_entries,
    import_entries,
)

__all__ = [
    "TransferMethods",
    "DEFAULT_BATCH",
    "FORMATS",
    "ImportLineError",
    "detect_format",
    "export_entries",
    "import_entries",
]
