"""How far the history may be turned into events.

History ids come from a sequence, and sequence values commit out of order: a transaction
that took id 5 can commit after another took id 6 and was read. Reading "everything after
the last id seen" would then skip id 5 for ever. So events are made only up to a bound
below which no change can still appear: the last id handed out (read first), paired with
the snapshot taken after it. Every id up to it belongs to a transaction older than the
snapshot's ``xmax``; once no transaction older than that is running in this database, the
bound is safe. With no transaction running, it is safe at once, and so it is when no other
session holds a write lock on the history table: a transaction takes that lock before it
takes an id and keeps it until it ends, so every id handed out before the look is settled.
"""

from __future__ import annotations

from psycopg import sql

from . import names

#: pg_try_advisory_xact_lock key of the one session moving the bound at a time.
LOCK_KEY = 7_263_514_402


#: The oldest transaction still running that can hold history ids: of this database's
#: sessions (and prepared transactions) when this role may see every session's
#: transaction id (a superuser or pg_read_all_stats, as on Supabase), else of the whole
#: server; and the snapshot's xmax. Transaction ids are server-wide; a long transaction in
#: another database then holds nothing back. pg_stat_activity gives 32-bit ids: matched to
#: the snapshot's 64-bit ones by their low 32 bits.
_OLDEST_RUNNING = """
WITH snap AS (SELECT pg_current_snapshot() AS s),
     everyone AS (SELECT r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees
                  FROM pg_roles r WHERE r.rolname = current_user),
     local AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
               WHERE datname = current_database() AND backend_xid IS NOT NULL
               UNION ALL SELECT transaction::text::bigint FROM pg_prepared_xacts WHERE database = current_database())
SELECT CASE WHEN (SELECT sees FROM everyone)
            THEN coalesce((SELECT min(x::text::bigint) FROM snap, pg_snapshot_xip(snap.s) x
                           WHERE x::text::bigint % 4294967296 IN (SELECT xid FROM local)),
                          (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap))
            ELSE (SELECT pg_snapshot_xmin(s)::text::bigint FROM snap) END,
       (SELECT pg_snapshot_xmax(s)::text::bigint FROM snap)
"""


def last_history_id(conn, settings) -> int:
    """The last history id handed out (committed or not); 0 before the first."""
    row = conn.execute("SELECT pg_catalog.pg_sequence_last_value(pg_catalog.pg_get_serial_sequence(%s, 'id')::regclass)",
                       (f"{settings.system_schema}.content_history",)).fetchone()
    return int(row[0] or 0)


def history_writers(conn, settings) -> bool:
    """True when another session (or a prepared transaction) holds more than a read lock on the
    history table, so it may hold history ids that are not committed yet."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'relation' "
        "AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "AND relation = %s::regclass AND mode <> 'AccessShareLock' AND pid IS DISTINCT FROM pg_catalog.pg_backend_pid())",
        (f"{settings.system_schema}.content_history",)).fetchone()[0]


def advance(conn, settings) -> int:
    """Move the safe bound as far as it can go now and return it. ``conn`` is in a fresh
    transaction that has written nothing yet (its own transaction id would hold the
    snapshot back)."""
    feed = names.table(settings, "content_event_feed")
    got = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (LOCK_KEY,)).fetchone()[0]
    if not got:  # another session is moving it: use what is there
        return conn.execute(sql.SQL("SELECT safe_bound FROM {} WHERE id = 1").format(feed)).fetchone()[0]
    last = last_history_id(conn, settings)
    xmin, xmax = conn.execute(_OLDEST_RUNNING).fetchone()
    safe, pending, pending_xmax = conn.execute(sql.SQL(
        "SELECT safe_bound, pending_bound, pending_xmax FROM {} WHERE id = 1").format(feed)).fetchone()
    if xmin >= pending_xmax:
        safe = max(safe, pending)
        pending, pending_xmax = last, xmax
    if xmin >= xmax or not history_writers(conn, settings):  # read after ``last``
        safe = max(safe, last)
    conn.execute(sql.SQL("UPDATE {} SET safe_bound = %s, pending_bound = %s, pending_xmax = %s WHERE id = 1").format(
        feed), (safe, pending, pending_xmax))
    return safe


def waiting(conn, settings, safe: int) -> bool:
    """True when changes exist that are not safe to read yet (worth looking again soon)."""
    return last_history_id(conn, settings) > safe
