"""CSV cells that are safe to open in a spreadsheet, and the CSV line they sit in.

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``=cmd|...``), and a leading tab or carriage return can hide one.
Any writer (an agent, an import, the studio) can store such text, so an export puts an
apostrophe in front of it by default; a spreadsheet then shows the text and runs nothing.
A value that already begins with an apostrophe gets one more, so the mapping is
reversible and an import of the export restores every value exactly.

Only text columns are touched: a number column's ``-5`` is a number, not a formula.
"""

from __future__ import annotations

from collections.abc import Iterable

#: First characters a spreadsheet treats as the start of a formula (or that can hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The mark put in front of such a cell (and in front of a cell that starts with it).
MARK = "'"
#: Field-type categories whose cells are numbers, never text a spreadsheet could run.
NUMERIC_CATEGORIES = frozenset({"number"})

_NEEDS_QUOTES = (",", '"', "\r", "\n")


def neutralise(text: str) -> str:
    """``text`` as a cell a spreadsheet shows as text: a leading formula character or
    apostrophe gets an apostrophe in front."""
    if text.startswith(FORMULA_STARTS) or text.startswith(MARK):
        return MARK + text
    return text


def restore(text: str) -> str:
    """The inverse of ``neutralise``: drop the apostrophe it added. An apostrophe that
    ``neutralise`` cannot have added (followed by anything else) is kept as it is."""
    if text.startswith(MARK) and text[1:2] and (text[1] in FORMULA_STARTS or text[1] == MARK):
        return text[1:]
    return text


def is_text_column(field) -> bool:
    """Whether the cells of ``field`` (a FieldModel, or None for a system column) are text."""
    return field is None or field.ft.category not in NUMERIC_CATEGORIES


def csv_line(cells: Iterable[str]) -> str:
    """One CSV line (``\\n``-terminated). A cell with a comma, a quote, ``\\r`` or ``\\n``
    is quoted: Python's csv writer leaves a bare ``\\r`` unquoted, and a reader then
    starts a new row there."""
    out = []
    for cell in cells:
        if any(ch in cell for ch in _NEEDS_QUOTES):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return ",".join(out) + "\n"
