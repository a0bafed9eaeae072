"""After the diff: count what each operation's pre-checks ask, then let the lint rules look."""

from __future__ import annotations

import psycopg

from ..lint import lint_operations


def measure(conn: psycopg.Connection, operations: list) -> list:
    """Fill every pre-check count (one query each) and attach the lint findings; returns the operations."""
    for op in operations:
        for check, count_sql in op.measures:
            check.count = conn.execute(count_sql).fetchone()[0]
            if check.count and check.sample_query:
                check.samples = [str(r[0]) for r in conn.execute(check.sample_query).fetchall()]
    lint_operations(operations)
    return operations
