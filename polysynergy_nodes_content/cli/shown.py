"""User text made safe for the reviewer's terminal.

Labels, handles, values, SQL and error messages come from whoever wrote them (an agent,
an import, the studio). Printed raw, an ESC sequence can clear the screen or recolour
the migration a person is about to apply, bidi controls can make text read differently
from what it is, and rich markup in a label (``[/bold]``, ``[link=...]``) is interpreted.
``shown`` is the one function the CLI prints user text through.
"""

from __future__ import annotations

import json

from rich.markup import escape as escape_markup

from ..unsafe_characters import UNSAFE

_LINE_BREAKS = frozenset([ord("\n"), ord("\t")])

_ALL = {code: f"\\u{code:04x}" for code in UNSAFE}
_KEEP_LINES = {code: text for code, text in _ALL.items() if code not in _LINE_BREAKS}
# Inside a JSON string, C0 is already escaped by json.dumps; the rest decodes unchanged.
_IN_JSON = {code: text for code, text in _ALL.items() if code >= 0x20}


def shown(value, *, markup: bool = True, lines: bool = False) -> str:
    """``value`` as text to print: control, C1 and bidi characters as ``\\uXXXX``
    (newline and tab kept when ``lines``, for multi-line text such as SQL), and rich
    markup escaped (``markup=False`` for text printed without rich markup)."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = text.translate(_KEEP_LINES if lines else _ALL)
    return escape_markup(text) if markup else text


def json_text(payload, **kwargs) -> str:
    """``json.dumps`` for a terminal: the same JSON value, with DEL, C1 and bidi controls
    written as ``\\uXXXX`` escapes (they can only occur inside strings)."""
    return json.dumps(payload, ensure_ascii=False, **kwargs).translate(_IN_JSON)
