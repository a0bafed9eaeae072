"""The engine's check of a rule's ``_regex`` (RE2) beside Python's ``re`` on the same
pattern and PostgreSQL's ``~``: the per-value cost on everyday patterns, and the time of a
pathological pattern (``^(a+)+$``) as the value grows.

    .venv/bin/python bench/bench_rule_patterns.py            # about 10 seconds
    .venv/bin/python bench/bench_rule_patterns.py --no-server

Server: ``CONTENT_BENCH_DATABASE_URL``, else ``CONTENT_TEST_DATABASE_URL`` (only ``SELECT``
of the pattern against a literal value; nothing is created).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

import psycopg

from polysynergy_nodes_content.content_engine.rules import rule_pattern
from polysynergy_section_field.field_types._linear_patterns import full_pattern

EVERYDAY = [r"^[A-Z]{2}[0-9]+$", r"^[\w.-]+@[a-z]+\.org$", r"^(ab|cd)*?e$", r"\s"]
VALUES = ["AB12345", "ada.lovelace@example.org", "abcdcdabe", "no-space-here", "x" * 200]
PATHOLOGICAL = r"^(a+)+$"
#: The text type's ``pattern`` setting (a Python pattern, full match).
TEXT_SETTING = [r"[A-Z]{3}-[0-9]+", r"\d{4}-\d{2}-\d{2}", r"[\w.+-]+@[\w-]+\.[a-z]{2,}"]
TEXT_VALUES = ["ABC-12345", "2026-12-01", "ada.lovelace@example.org", "nothing like it", "x" * 200]


def python_form(pattern: str) -> re.Pattern:
    """What the engine ran before RE2: the same parse, ``$`` as ``\\Z``, DOTALL."""
    return re.compile(rule_pattern(pattern).engine.pattern.decode().replace("\\z", "\\Z"), re.DOTALL)


def per_call_us(fn, values, rounds: int = 2000) -> float:
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for v in values:
                fn(v)
        samples.append((time.perf_counter() - start) / (rounds * len(values)) * 1e6)
    return statistics.median(samples)


def once_ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-server", action="store_true", help="leave out PostgreSQL's ~")
    args = parser.parse_args()
    url = None if args.no_server else (os.environ.get("CONTENT_BENCH_DATABASE_URL")
                                       or os.environ.get("CONTENT_TEST_DATABASE_URL"))
    conn = psycopg.connect(url, autocommit=True) if url else None

    print("everyday patterns, microseconds per value (median of 5)")
    print(f"{'pattern':32} {'RE2 (engine)':>13} {'Python re':>10}")
    for pattern in EVERYDAY:
        engine, python = rule_pattern(pattern), python_form(pattern)
        assert [engine.search(v) for v in VALUES] == [python.search(v) is not None for v in VALUES]
        print(f"{pattern:32} {per_call_us(engine.search, VALUES):13.2f} "
              f"{per_call_us(lambda v: python.search(v), VALUES):10.2f}")

    print("\ntext type pattern setting, microseconds per value (median of 5)")
    print(f"{'pattern':32} {'RE2 (engine)':>13} {'Python re':>10}")
    for pattern in TEXT_SETTING:
        compiled, python = full_pattern(pattern), re.compile(pattern)
        assert compiled.linear is not None
        assert [compiled.fullmatch(v) for v in TEXT_VALUES] == [python.fullmatch(v) is not None for v in TEXT_VALUES]
        print(f"{pattern:32} {per_call_us(compiled.fullmatch, TEXT_VALUES):13.2f} "
              f"{per_call_us(lambda v: python.fullmatch(v), TEXT_VALUES):10.2f}")

    print(f"\n{PATHOLOGICAL} on 'a' * n + '!', milliseconds (one run each)")
    engine, python = rule_pattern(PATHOLOGICAL), python_form(PATHOLOGICAL)
    pg_form = rule_pattern(PATHOLOGICAL).postgres
    for n in (16, 18, 20, 22, 5000, 100_000):
        value = "a" * n + "!"
        row = [f"n={n:<7}", f"RE2 {once_ms(lambda: engine.search(value)):9.3f}"]
        if n <= 22:
            row.append(f"Python re {once_ms(lambda: python.search(value)):9.1f}")
        else:
            row.append(f"Python re {'(not run)':>9}")
        if conn is not None:
            conn.execute("SELECT %s ~ %s", ("a", pg_form))  # warm
            row.append(f"PostgreSQL ~ {once_ms(lambda: conn.execute('SELECT %s ~ %s', (value, pg_form)).fetchone()):7.3f}"
                       " (with the round trip)")
        print("  ".join(row))
    if conn is not None:
        conn.close()


if __name__ == "__main__":
    main()
