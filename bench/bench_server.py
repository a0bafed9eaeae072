"""The server a bench runs on and the scratch database it makes there (shared by the benches).

Server: ``CONTENT_BENCH_DATABASE_URL``, else ``SECTIONS_DATABASE_URL``, else an embedded
PostgreSQL (data in ``CONTENT_BENCH_EMBEDDED_DIR`` or ``/tmp/polysynergy-content-bench``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from polysynergy_nodes_content.content_engine.postgres import close_pools


def server_url() -> tuple[str, object]:
    """(url, embedded server or None): keep the second alive while the bench runs."""
    for name in ("CONTENT_BENCH_DATABASE_URL", "SECTIONS_DATABASE_URL"):
        if os.environ.get(name, "").strip():
            return os.environ[name].strip(), None
    from polysynergy_nodes_content.content_engine.postgres import start_embedded

    data_dir = Path(os.environ.get("CONTENT_BENCH_EMBEDDED_DIR", "/tmp/polysynergy-content-bench"))
    db = start_embedded(data_dir, database="postgres")
    return db.url, db


def scratch_database(url: str, prefix: str) -> tuple[str, str]:
    """(name, url) of a new, empty database on the server (needs CREATEDB)."""
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(url)
    params["dbname"] = name
    return name, make_conninfo(**params)


def announce(url: str, name: str) -> None:
    """Print what a bench runs on: the server version, the scratch database, Python, psycopg, cores."""
    with psycopg.connect(url) as conn:
        print(f"server: PostgreSQL {conn.info.server_version}, scratch database {name}")
    print(f"python {sys.version.split()[0]}, psycopg {psycopg.__version__}, cores {os.cpu_count()}")


def drop_scratch_database(url: str, name: str) -> None:
    """Close the engine's pools, then drop the scratch database."""
    close_pools()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
