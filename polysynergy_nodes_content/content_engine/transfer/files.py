"""Import and export files: CSV and JSON Lines read row by row, values converted per field.

Readers yield one ``FileRow`` per data line with the line number (for CSV the header is
line 1) and the problems found while reading it, so a dry run can report every bad row
and a real import can stop at the first.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..entries import FieldModel, SectionModel
from ..errors import InvalidInput
from ..identifiers import SYSTEM_COLUMNS
from .cells import is_text_column, restore

FORMATS = ("csv", "jsonl")
DEFAULT_BATCH = 5000
_TRUE = {"true", "t", "yes", "y", "1", "on"}
_FALSE = {"false", "f", "no", "n", "0", "off"}

#: progress(done_rows, done_bytes) - called after every batch.
Progress = Callable[[int, int], None]


class ImportLineError(InvalidInput):
    """A bad row in an import file; ``line`` is its line number in the file."""

    def __init__(self, message: str, line: int | None, field: str | None = None, errors=None):
        super().__init__(message, field=field, errors=errors)
        self.line = line


def detect_format(path: str | None, given: str | None) -> str:
    """The format asked for, else the one the file name suggests (default CSV)."""
    if given:
        fmt = given.lower()
        if fmt in ("ndjson", "json", "jsonlines"):
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown format '{given}' (use csv or jsonl)", field="format")
        return fmt
    suffix = Path(path or "").suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


# -- values --------------------------------------------------------------------------------
def _json_or_list(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("["):
        return json.loads(stripped)
    return [part.strip() for part in stripped.split(",") if part.strip()]


def convert_csv_value(field: FieldModel, text: str) -> Any:
    """A CSV cell (always a string) as the value the field type expects.

    Empty -> None; booleans from true/false/yes/no/1/0; integers and numbers parsed;
    json, multi_select and multiple relations from JSON (lists also as a,b,c);
    everything else is passed through as text for the field type to validate."""
    if text is None or text == "":
        return None
    handle = field.ft.handle
    try:
        if handle == "boolean":
            low = text.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("must be true or false")
        if handle == "integer":
            stripped = text.strip()
            try:
                return int(stripped)
            except ValueError:
                as_float = float(stripped)
                if as_float.is_integer():
                    return int(as_float)
                raise ValueError("must be a whole number") from None
        if handle == "number":
            return float(text.strip())
        if handle == "json":
            return json.loads(text)
        if handle == "multi_select" or field.junction:
            return _json_or_list(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not valid JSON ({exc.msg})") from None
    except ValueError as exc:
        message = str(exc)
        if message.startswith("must be") or message.startswith("is not"):
            raise
        raise ValueError(f"{text[:40]!r} is not a valid {handle}") from None
    return text


def csv_cell(value: Any) -> str:
    """A JSON-safe output value as a CSV cell (the inverse of convert_csv_value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- reading with a byte count ---------------------------------------------------------------
class _CountingReader(io.RawIOBase):
    """A binary stream that counts the bytes read (for progress bars)."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def open_source(source) -> tuple[IO[str], _CountingReader, int | None, Callable[[], None]]:
    """(text stream, byte counter, total size or None, close)."""
    if source in (None, "-"):
        raw: IO[bytes] = sys.stdin.buffer
        total = None
        owned = False
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            raw = open(path, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from None
        total = path.stat().st_size
        owned = True
    else:
        raw = getattr(source, "buffer", source)
        total = None
        owned = False
    counter = _CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding="utf-8-sig", newline="")

    def close() -> None:
        text.detach()
        if owned:
            raw.close()

    return text, counter, total, close

@dataclass
class FileRow:
    """One data line: its number, its values by field handle, and what was wrong with it
    (``(field or None, reason)`` pairs; a row with problems is never written)."""

    line: int
    data: dict
    problems: list = field(default_factory=list)

    def error(self) -> ImportLineError:
        text = "; ".join(f"field '{f}': {m}" if f else m for f, m in self.problems)
        first = self.problems[0][0]
        return ImportLineError(f"line {self.line}: {text}", line=self.line, field=first,
                               errors=[{"field": f, "message": m} for f, m in self.problems])


def read_rows(text: IO[str], fmt: str, model: SectionModel, ignored: list[str], keep: frozenset = frozenset(),
              raw_cells: bool = False):
    """FileRows of ``text``; ``keep`` names system columns to keep (an id-keeping import),
    the others are listed in ``ignored``. A bad header raises ImportLineError. CSV text
    cells neutralised by an export are restored unless ``raw_cells``."""
    if fmt == "csv":
        return _csv_rows(text, model, ignored, keep, raw_cells)
    return _jsonl_rows(text, ignored, keep, model.read_only)


def _csv_rows(text: IO[str], model: SectionModel, ignored: list[str], keep: frozenset, raw_cells: bool):
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportLineError(f"line 1: {exc}", line=1) from None
    header = [h.strip() for h in header]
    if header and header[0].startswith("{"):
        raise ImportLineError("line 1: this is JSON Lines, not CSV: read it as jsonl (a .jsonl file name, "
                              "or --format jsonl; stdin is read as CSV unless told)", line=1)
    seen = set()
    columns: list[tuple[int, FieldModel]] = []
    kept: list[tuple[int, str]] = []
    for position, name in enumerate(header):
        if name in seen:
            raise ImportLineError(f"line 1: column '{name}' appears twice in the header", line=1, field=name)
        seen.add(name)
        if name in keep:
            kept.append((position, name))
            continue
        if name in SYSTEM_COLUMNS or name == "" or name in model.read_only:  # read-only: written elsewhere
            ignored.append(name or f"column {position + 1}")
            continue
        field_model = model.fields.get(name)
        if field_model is None:
            err = model.unknown_field(name)
            raise ImportLineError(f"line 1: header: {err}", line=1, field=name)
        columns.append((position, field_model))
    width = len(header)
    unguard = {position for position, f in columns if not raw_cells and is_text_column(f)}
    if not raw_cells:
        unguard.update(position for position, _ in kept)
    previous = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = previous + 1
            # The reader cannot go on after a broken quote: report it and stop reading.
            yield FileRow(line, {}, [(None, str(exc))])
            return
        line = previous + 1
        previous = reader.line_num
        if not cells or (len(cells) == 1 and cells[0] == "" and width > 1):
            continue  # a blank line
        if len(cells) != width:
            yield FileRow(line, {}, [(None, f"expected {width} values (as in the header), got {len(cells)}")])
            continue
        row = FileRow(line, {})
        cells = [restore(c) if i in unguard else c for i, c in enumerate(cells)]
        for position, field_model in columns:
            try:
                row.data[field_model.handle] = convert_csv_value(field_model, cells[position])
            except ValueError as exc:
                row.problems.append((field_model.handle, str(exc)))
        for position, name in kept:
            if cells[position] != "":
                row.data[name] = cells[position]
        yield row


def _jsonl_rows(text: IO[str], ignored: list[str], keep: frozenset, read_only: frozenset = frozenset()):
    for number, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield FileRow(number, {}, [(None, f"not valid JSON: {exc.msg} at column {exc.colno}")])
            continue
        if not isinstance(item, dict):
            yield FileRow(number, {}, [(None, "each line must be a JSON object of field handles and values")])
            continue
        for key in (*SYSTEM_COLUMNS, *read_only):
            if key in item and key not in keep:
                item.pop(key)
                if key not in ignored:
                    ignored.append(key)
        yield FileRow(number, item)
