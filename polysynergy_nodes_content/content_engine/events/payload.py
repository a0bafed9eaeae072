"""Turning the recorded changes of one entry in one transaction into one event.

One write of an entry can leave several history rows (the row itself, then the links of
each multiple relation; a baseline before a first update): a receiver wants one event per
entry and transaction, with the entry as it is after it, as it was before it, and the
handles of the fields that changed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

#: History row: (id, section_id, entry_id, op, changed_at, txid, run_id, context, map_id, data)
ID, SECTION, ENTRY, OP, AT, TXID, RUN, CONTEXT, MAP, DATA = range(10)


@dataclass
class Change:
    """The rows of one entry written by one transaction, oldest first."""

    rows: list = field(default_factory=list)

    @property
    def first(self):
        return self.rows[0]

    @property
    def last(self):
        return self.rows[-1]

    def values_rows(self) -> list:
        return [r for r in self.rows if r[OP] in ("insert", "update", "delete")]

    def baseline(self):
        return next((r for r in self.rows if r[OP] == "baseline"), None)

    def type(self) -> str | None:
        """create, update or delete; None for an entry created and deleted in one transaction."""
        ops = [r[OP] for r in self.values_rows()]
        if "insert" in ops:
            return None if ops[-1] == "delete" else "create"
        if ops and ops[-1] == "delete":
            return "delete"
        return "update"

    def last_links(self) -> dict:
        """{field id: targets} of the links this transaction left (its last row per field)."""
        links: dict = {}
        for row in self.rows:
            if row[OP] == "links":
                links[row[DATA]["field"]] = row[DATA]["targets"]
        return links


def group(rows: list) -> list[Change]:
    """The rows (ascending id) grouped per entry and transaction, in the order of each
    group's last row (when its transaction last touched the entry)."""
    changes: dict = {}
    for row in rows:
        changes.setdefault((row[SECTION], row[ENTRY], row[TXID]), Change()).rows.append(row)
    return sorted(changes.values(), key=lambda c: c.last[ID])


def event_id(subscription_id, change: Change) -> str:
    """The idempotency key: the same change seen by the same subscription has the same id."""
    return str(uuid.uuid5(subscription_id, f"{change.first[SECTION]}:{change.first[ID]}"))


def build(change: Change, names, handle: str, before: tuple | None, before_links: dict,
          defaults: dict) -> dict | None:
    """The event body of a change (without ``seq`` and ``subscription``, added when read).

    ``before``: the entry's last values row before this change (None: none recorded);
    ``before_links``: {field id: targets} before it; ``defaults``: {handle: None} of the
    section's current fields, so an entry lists every field, as entries read do (single
    relations show their ids as text: ``FieldNames``)."""
    kind = change.type()
    if kind is None:
        return None
    baseline = change.baseline()
    if baseline is not None:
        before = baseline
    values_rows = change.values_rows()
    if before is not None and before[OP] == "delete":
        before = None  # deleted before, so this change knows no earlier values
    if kind == "delete" and before is None:
        before = values_rows[-1]  # a delete records the values it removed
    previous = None
    if kind != "create" and before is not None:
        previous = _entry(names, change.first[ENTRY], before, before_links, defaults)
    entry = None
    if kind != "delete":
        after_row = values_rows[-1] if values_rows else before
        links = {**before_links, **change.last_links()}
        entry = _entry(names, change.first[ENTRY], after_row, links, defaults)
    context = dict(change.last[CONTEXT] or {})
    return {
        "id": None,  # set by the caller (it knows the subscription)
        "type": kind,
        "section": handle,
        "entry_id": change.first[ENTRY],
        "at": change.last[AT],
        "actor": context.get("actor"),
        "source": context.get("source"),
        "run_id": change.last[RUN],
        "context": context,
        "entry": entry,
        "previous": previous,
        "changed": changed_handles(entry, previous),
    }


def _entry(names, entry_id, row, links: dict, defaults: dict) -> dict:
    values = dict(defaults)
    if row is not None:
        values.update(names.by_handle(row[MAP], row[DATA]))
    for field_id, targets in links.items():
        if field_id in names.current:  # ids as text, as entries show them (an adopted key may be a number)
            values[names.current[field_id]] = [str(t) for t in targets]
    return {"id": entry_id, **values}


def changed_handles(entry: dict | None, previous: dict | None) -> list[str]:
    if entry is None or previous is None:
        present = entry if entry is not None else previous or {}
        return sorted(k for k, v in present.items() if k != "id" and v not in (None, []))
    return sorted(k for k in set(entry) | set(previous) if k != "id" and entry.get(k) != previous.get(k))
