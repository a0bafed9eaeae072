"""Content events: subscriptions to the changes of sections, made from the history capture
(one capture, read twice) and delivered at least once, in order per entry, to a signed
webhook or to a poller. Retried with backoff, dead-lettered after a set number of
attempts, replayable.

On floor 7: it reads the entries' filter language and the history's field names, and
reaches the rest of the engine through the engine it is handed.

This face is what other packages and the rest of the pack may import from here.
"""

from .facade import EventMethods
from .names import EVENT_TYPES
from .receive import DuplicateEvent
from .schema import event_schema
from .signing import (
    DEFAULT_TOLERANCE_SECONDS,
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    signed_headers,
    verify,
)
from .worker import EventWorker

__all__ = [
    "BadSignature",
    "DEFAULT_TOLERANCE_SECONDS",
    "EVENT_ID_HEADER",
    "DuplicateEvent",
    "EVENT_TYPES",
    "EventMethods",
    "EventWorker",
    "SIGNATURE_HEADER",
    "event_schema",
    "TIMESTAMP_HEADER",
    "signed_headers",
    "verify",
]
