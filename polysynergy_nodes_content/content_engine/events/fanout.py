"""Making the events of each subscription from the history, up to the safe bound.

Each step reads at most ``CHUNK`` history rows of the subscription's sections after its
cursor, turns them into events (one per entry and transaction, filtered), stores them and
moves the cursor, in one transaction: a crash repeats a step, never half of one. A
subscription row locked by another worker is skipped (that worker is making its events).
"""

from __future__ import annotations

from psycopg import sql
from psycopg.types.json import Jsonb

from ..entries import FilterCompiler
from ..history import field_names
from ..json_values import json_safe
from . import names, queue
from .payload import ENTRY, ID, OP, SECTION, TXID, build, event_id, group

CHUNK = 5000
#: One statement stores a step's events, sent as one JSON array of {"s": section id, "p":
#: body} (``seq`` follows its order); the columns are read from the body.
_INSERT = sql.SQL(
    "INSERT INTO {} (subscription_id, id, section_id, entry_id, type, at, payload) "
    "SELECT %s, (u.item #>> '{{p,id}}')::uuid, (u.item ->> 's')::uuid, u.item #>> '{{p,entry_id}}', "
    "u.item #>> '{{p,type}}', (u.item #>> '{{p,at}}')::timestamptz, u.item -> 'p' "
    "FROM jsonb_array_elements(%s) WITH ORDINALITY AS u(item, ord) "
    "ORDER BY u.ord ON CONFLICT (subscription_id, id) DO NOTHING")
_ROW = sql.SQL("h.id, h.section_id, h.entry_id, h.op, h.changed_at, h.txid, h.run_id, h.context, h.map_id, h.data")


def fan_out(engine, bound: int) -> int:
    """Events made for every subscription up to ``bound``; returns how many."""
    with engine.connection() as conn:
        pending = [r[0] for r in conn.execute(sql.SQL("SELECT id FROM {} WHERE cursor < %s ORDER BY name").format(
            names.subscriptions(engine.settings)), (bound,))]
    made = 0
    for subscription_id in pending:
        more = True
        while more:
            count, more = step(engine, subscription_id, bound)
            made += count
    return made


def step(engine, subscription_id, bound: int) -> tuple[int, bool]:
    """One chunk of one subscription: (events made, whether more rows are waiting)."""
    settings = engine.settings
    with engine.connection() as conn:
        sub = conn.execute(sql.SQL("SELECT id, sections, events, filter, cursor FROM {} WHERE id = %s "
                                   "FOR UPDATE SKIP LOCKED").format(names.subscriptions(settings)),
                           (subscription_id,)).fetchone()
        if sub is None or sub[4] >= bound:
            return 0, False
        rows = conn.execute(sql.SQL("SELECT {} FROM {} h WHERE h.id > %s AND h.id <= %s AND h.section_id = ANY(%s) "
                                    "ORDER BY h.id LIMIT %s").format(_ROW, names.history(settings)),
                            (sub[4], bound, sub[1], CHUNK + 1)).fetchall()
        rows, cursor, more = _whole_transactions(rows, bound)
        events = _events(engine, conn, sub, group(rows))
        if events:
            conn.execute(_INSERT.format(names.events(settings)),
                         (subscription_id, Jsonb([{"s": str(section), "p": body} for section, body in events])))
            queue.refresh_statistics(conn, settings, len(events))
        conn.execute(sql.SQL("UPDATE {} SET cursor = %s WHERE id = %s").format(names.subscriptions(settings)),
                     (cursor, subscription_id))
        return len(events), more


def _whole_transactions(rows: list, bound: int) -> tuple[list, int, bool]:
    """The rows to use now, the cursor after them, and whether more wait. A full chunk stops
    before the first row of its last transaction, so one transaction's rows of an entry are
    read together (unless that transaction alone fills the chunk)."""
    if len(rows) <= CHUNK:
        return rows, bound, False
    rows = rows[:CHUNK]
    last_tx = rows[-1][TXID]
    first_of_last = next(i for i, r in enumerate(rows) if r[TXID] == last_tx)
    if first_of_last > 0:
        rows = rows[:first_of_last]
    return rows, rows[-1][ID], True


class _Section:
    """What making events of one section needs: its handle, field names, model, filter."""

    def __init__(self, engine, conn, section_id, filters):
        row = conn.execute(sql.SQL("SELECT handle FROM {} WHERE id = %s").format(
            names.table(engine.settings, "sections")), (section_id,)).fetchone()
        self.handle = row[0] if row else None
        if self.handle is None:
            return
        self.names = field_names(conn, engine.settings, section_id, engine.registry)
        service = engine.entries
        self.model = service.load_model(conn, self.handle)
        self.defaults = {f.handle: None for f in [*self.model.columns, *self.model.multi]}
        self.condition = self.params = None
        if filters:
            alias = sql.Identifier("_event")
            compiler = FilterCompiler(self.model, engine.registry, alias,
                                      lambda handle: service.load_model(conn, handle))
            self.condition, self.params = compiler.compile(filters), compiler.params

    def matching(self, conn, bodies: list[dict]) -> set[int]:
        """Indexes of the bodies whose entry (before it, for a delete) passes the filter."""
        if self.condition is None or not bodies:
            return set(range(len(bodies)))
        items = [json_safe(b["previous"] if b["type"] == "delete" else b["entry"]) for b in bodies]
        query = sql.SQL("SELECT x.ord - 1 FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS x(item, ord) "
                        "CROSS JOIN LATERAL jsonb_populate_record(NULL::{}, x.item) AS {} WHERE {}").format(
            self.model.table, sql.Identifier("_event"), self.condition)
        return {r[0] for r in conn.execute(query, [Jsonb(items), *self.params])}


def _events(engine, conn, sub, changes: list) -> list[tuple]:
    subscription_id, _, kinds, filters, _ = sub
    sections: dict = {}
    for change in changes:
        if change.first[SECTION] not in sections:
            sections[change.first[SECTION]] = _Section(engine, conn, change.first[SECTION], filters)
    needed = [c for c in changes if c.type() in kinds and sections[c.first[SECTION]].handle is not None]
    befores, links = _before(engine, conn, needed, sections)
    built: dict = {}
    for index, change in enumerate(needed):
        section = sections[change.first[SECTION]]
        body = build(change, section.names, section.handle, befores.get(index), links.get(index, {}),
                     section.defaults)
        if body is not None:
            body["id"] = event_id(subscription_id, change)
            built.setdefault(change.first[SECTION], []).append((change, body))
    events = []
    for section_id, items in built.items():
        keep = sections[section_id].matching(conn, [b for _, b in items])
        events.extend((change, body) for i, (change, body) in enumerate(items) if i in keep)
    events.sort(key=lambda item: item[0].last[ID])
    # A body is JSON already (history values, context and links come from jsonb) but for its time.
    return [(change.first[SECTION], {**body, "at": json_safe(body["at"])}) for change, body in events]


def _before(engine, conn, changes: list, sections: dict) -> tuple[dict, dict]:
    """Per change (by index): the entry's last values row before it, and its links then."""
    wanted = [(i, c) for i, c in enumerate(changes) if c.type() != "create" and c.first[OP] != "insert"]
    if not wanted:
        return {}, {}
    keys = ([c.first[SECTION] for _, c in wanted], [c.first[ENTRY] for _, c in wanted],
            [c.first[ID] for _, c in wanted], [i for i, _ in wanted])
    unnest = sql.SQL("unnest(%s::uuid[], %s::text[], %s::bigint[], %s::int[]) AS k(section_id, entry_id, before_id, i)")
    history = names.history(engine.settings)
    befores = {r[0]: r[1:] for r in conn.execute(sql.SQL(
        "SELECT k.i, p.* FROM {} CROSS JOIN LATERAL (SELECT {} FROM {} h WHERE h.section_id = k.section_id "
        "AND h.entry_id = k.entry_id AND h.id < k.before_id AND h.op <> 'links' ORDER BY h.id DESC LIMIT 1) p").format(
        unnest, _ROW, history), keys)}
    links: dict = {}
    if any(sections[c.first[SECTION]].model.multi for _, c in wanted):
        for index, field_id, targets in conn.execute(sql.SQL(
                "SELECT DISTINCT ON (k.i, h.data ->> 'field') k.i, h.data ->> 'field', h.data -> 'targets' "
                "FROM {} JOIN {} h ON h.section_id = k.section_id AND h.entry_id = k.entry_id "
                "AND h.id < k.before_id AND h.op = 'links' ORDER BY k.i, h.data ->> 'field', h.id DESC").format(
                unnest, history), keys):
            links.setdefault(index, {})[field_id] = targets
    return befores, links
