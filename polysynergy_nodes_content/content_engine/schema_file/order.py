"""In which order a schema file's sections are migrated, and what waits for a second step.

A relation's foreign key (or junction table) needs its target's table: a target without a
table yet is migrated first. A target whose table is renamed is migrated after the sections
relating to it (planned against its present name; the rename carries their keys along). Two
sections that refer to each other that way cannot both go first: the relation fields that
close the circle wait for a second step, planned once the first step is applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput


@dataclass
class Order:
    #: Section handles of the file (as the file names them), targets before the sections using them.
    sections: list = field(default_factory=list)
    #: Ids of new relation fields left for the second step (each closes a circle).
    deferred: set = field(default_factory=set)


def _has_table(stored: dict | None) -> bool:
    return stored is not None and stored["is_active"] and stored.get("applied_state") is not None


def _renamed(section: dict, stored: dict | None) -> bool:
    """Its table exists and its migration renames it to the file's handle."""
    return _has_table(stored) and stored["applied_state"]["section"]["table_name"] != section["handle"]


def _targets(registry, section: dict, document: dict) -> dict:
    """Field id -> handle of the other section of the file a relation field of ``section`` needs."""
    handles = {s["handle"] for s in document["sections"]}
    out = {}
    for f in section["fields"]:
        if f["field_type_handle"] not in registry:
            continue
        target = registry.get(f["field_type_handle"]).relation_target(f["field_settings"] or {})
        if target in handles and target != section["handle"]:
            out[f["id"]] = target
    return out


def order_sections(registry, document: dict, stored_sections: dict, stored_field_ids: set) -> Order:
    """``stored_sections``: section id -> stored row; ``stored_field_ids``: ids of stored fields
    that cannot wait for a second step (their section has a table).

    A target without a table yet goes before the sections that relate to it (their foreign
    keys need it). A target whose table is renamed goes after them: they are planned against
    the table's present name, and a rename carries the foreign keys along.
    """
    by_handle = {s["handle"]: s for s in document["sections"]}
    needs = {h: {} for h in by_handle}  # handle -> {field id: target} of targets without a table yet
    before = {h: set() for h in by_handle}  # handle -> sections that must go first (renamed targets)
    for s in document["sections"]:
        for fid, target in _targets(registry, s, document).items():
            stored = stored_sections.get(by_handle[target]["id"])
            if not _has_table(stored):
                needs[s["handle"]][fid] = target
            elif _renamed(by_handle[target], stored):
                before[target].add(s["handle"])
    order = Order()
    remaining = set(by_handle)
    while remaining:
        ready = sorted(h for h in remaining if not set(needs[h].values()) & remaining and not before[h] & remaining)
        if not ready:
            ready = sorted(h for h in remaining if not set(needs[h].values()) & remaining)
        if not ready:
            ready = [_break_circle(sorted(remaining), needs, remaining, stored_field_ids, order)]
        order.sections.append(ready[0])
        remaining.discard(ready[0])
    return order


def _break_circle(candidates: list, needs: dict, remaining: set, stored_field_ids: set, order: Order) -> str:
    """Let a section whose circle-closing fields can all wait (the fewest) go first without them."""
    waits = {h: {fid for fid, target in needs[h].items() if target in remaining} for h in candidates}
    for handle in sorted(candidates, key=lambda h: (len(waits[h]), h)):  # the fewest fields wait
        waiting = waits[handle]
        if waiting and not waiting & stored_field_ids:
            order.deferred |= waiting
            needs[handle] = {fid: t for fid, t in needs[handle].items() if fid not in waiting}
            return handle
    raise InvalidInput(
        f"sections {', '.join(candidates)} refer to each other through relation fields that exist already while "
        "their tables do not; apply their pending migrations one by one first", field="sections")
