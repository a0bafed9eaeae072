"""Making a database's configuration what a schema file says, through the config store.

Sections and fields are matched by id only: a changed handle is a rename, a handle taken by
another id is an error, never a silent match. Everything goes through the store's own
writers (so every check of a hand-made change holds), in an order that keeps each step
valid: section renames, new sections, removed fields (only with prune), changed fields,
new fields, then the section settings that name fields, then removed sections (prune).
The tables are not touched: the caller plans migrations from the new configuration.
"""

from __future__ import annotations

from ..config import ConfigStore, remove_section
from ..errors import InvalidInput
from .document import HISTORY_KEYS, SECTION_FIELD_KEYS, field_document, section_document

OWN_SECTION_KEYS = ("handle", "label", "description", "icon", *HISTORY_KEYS)


def _changes(before: dict, after: dict, keys) -> dict:
    return {k: {"from": before.get(k), "to": after.get(k)} for k in keys if before.get(k) != after.get(k)}


class ConfigWriter:
    """One pass over the file; ``run`` returns the configuration operations it carried out."""

    def __init__(self, store: ConfigStore, document: dict, prune: bool, deferred: set = frozenset()):
        self.store = store
        self.document = document
        self.prune = prune
        #: Ids of new fields left for the second step (see ``order``).
        self.deferred = set(deferred)
        self.reported: set = set()
        self.ops: list[dict] = []
        self.stored = {str(s["id"]): s for s in store.list_sections()}
        self.stored_fields = {sid: {str(f["id"]): f for f in store.fields(sid)} for sid in self.stored}

    def _op(self, action: str, section: str, id_, **extra) -> None:
        self.ops.append({"action": action, "section": section, "id": id_, **extra})

    # -- checks ----------------------------------------------------------------------
    def check_ids(self) -> None:
        """A file's id must name the same kind of thing in the same section, and its handles
        must not belong to other ids (unless those are renamed away by the file too)."""
        file_ids = {s["id"] for s in self.document["sections"]}
        owner = {fid: sid for sid, fields in self.stored_fields.items() for fid in fields}
        for s in self.document["sections"]:
            holder = next((x for x in self.stored.values() if x["handle"] == s["handle"] and str(x["id"]) != s["id"]),
                          None)
            if holder is not None and str(holder["id"]) not in file_ids:
                raise InvalidInput(
                    f"section '{s['handle']}': the file gives it id {s['id']}, but in this database section "
                    f"'{s['handle']}' has id {holder['id']}; sections are matched by id, not by handle, so this file "
                    "was not exported from this model (export it from here first, or rename one of them)",
                    field=s["handle"])
            for f in s["fields"]:
                if f["id"] in owner and owner[f["id"]] != s["id"]:
                    other = self.stored[owner[f["id"]]]["handle"]
                    raise InvalidInput(
                        f"field '{s['handle']}.{f['handle']}': its id {f['id']} is a field of section '{other}' in "
                        "this database; a field cannot move to another section", field=f["handle"])
            if s["id"] in self.stored:
                for fid, stored in self.stored_fields[s["id"]].items():
                    taken = next((f for f in s["fields"] if f["handle"] == stored["handle"] and f["id"] != fid), None)
                    if taken is not None and not self.prune and fid not in {f["id"] for f in s["fields"]}:
                        raise InvalidInput(
                            f"field '{s['handle']}.{taken['handle']}': the file gives it id {taken['id']}, but in "
                            f"this database that field has id {fid}; fields are matched by id, not by handle "
                            "(remove the database's field with prune, or export the file from this database)",
                            field=taken["handle"])

    # -- the passes ------------------------------------------------------------------
    def run(self) -> list[dict]:
        self.check_ids()
        for s in self.document["sections"]:
            self._section_itself(s)
        self._take_out_deferred()
        for s in self.document["sections"]:
            self._remove_fields(s)
        for s in self.document["sections"]:
            self._change_fields(s)
        for s in self.document["sections"]:
            self._add_fields(s)
        for s in self.document["sections"]:
            self._section_field_keys(s)
        self._remove_sections()
        return self.ops

    def _section_itself(self, s: dict) -> None:
        stored = self.stored.get(s["id"])
        if stored is None:
            self.store.create_section(s["handle"], s["label"], s["description"], s["icon"], section_id=s["id"])
            self._op("create_section", s["handle"], s["id"])
            created = section_document(self.store.find_section(s["id"]), [])
            history = _changes(created, s, [k for k in HISTORY_KEYS if k in s])
            if history:
                self.store.update_section(s["id"], {k: v["to"] for k, v in history.items()})
            return
        before = section_document(stored, [])
        changes = _changes(before, s, [k for k in OWN_SECTION_KEYS if k in s])
        if not stored["is_active"]:
            changes["is_active"] = {"from": False, "to": True}
        if not changes:
            return
        self.store.update_section(s["id"], {k: v["to"] for k, v in changes.items()})
        action = "rename_section" if "handle" in changes else "update_section"
        self._op(action, s["handle"], s["id"], changes=changes)

    def _take_out_deferred(self) -> None:
        """Configured fields of sections without a table that wait for the second step leave
        the configuration until then (reverse fields listing them first)."""
        for s in self.document["sections"]:
            for f in s["fields"]:
                if self._waits_for_deferred(s, f):
                    self.deferred.add(f["id"])
        waiting = [(s, f) for s in self.document["sections"] for f in s["fields"]
                   if f["id"] in self.deferred and f["id"] in self.stored_fields.get(s["id"], {})]
        for s, f in sorted(waiting, key=lambda sf: self._reverse(sf[1]) is None):
            self.store.remove_field(s["id"], self.stored_fields[s["id"]][f["id"]]["handle"])
            self._defer(s, f["id"], f["handle"])

    def _remove_fields(self, s: dict) -> None:
        if s["id"] not in self.stored:
            return
        wanted = {f["id"] for f in s["fields"]} | self.deferred
        gone = [f for fid, f in self.stored_fields[s["id"]].items() if fid not in wanted]
        # Reverse fields first: they list the relations a removal would otherwise refuse.
        gone.sort(key=lambda f: (self._reverse(f) is None, f["handle"]))
        for f in gone:
            if self.prune:
                self.store.remove_field(s["id"], f["handle"])
                self._op("remove_field", s["handle"], str(f["id"]), field=f["handle"])
            else:
                self._op("keep_field", s["handle"], str(f["id"]), field=f["handle"],
                         note="in the database, not in the file: kept (prune removes it)")

    def _change_fields(self, s: dict) -> None:
        if s["id"] not in self.stored:
            return
        # Read again: a renamed target section has retargeted the relation fields already.
        stored = self.stored_fields[s["id"]] = {str(f["id"]): f for f in self.store.fields(s["id"])}
        changed = [(f, field_document(stored[f["id"]])) for f in s["fields"]
                   if f["id"] in stored and f["id"] not in self.deferred]
        changed = [(f, before) for f, before in changed if _changes(before, f, f.keys())]
        # Renames into each other's handles (a swap, a chain) move aside to temporary handles first.
        renamed = [f for f, before in changed if f["handle"] != before["handle"]]
        if {f["handle"] for f in renamed} & {before["handle"] for f, before in changed if f in renamed}:
            for f in renamed:
                self.store.update_field(f["id"], {"handle": "zz_schema_" + f["id"].replace("-", "")[:20]})
        for f, before in changed:
            keys = [k for k in f if k != "id" and before.get(k) != f[k]]
            self.store.update_field(f["id"], {k: f[k] for k in keys})
            after = field_document(self.store.find_field(f["id"]))
            changes = _changes(before, after, [k for k in after if k != "id"])
            if changes:
                action = "rename_field" if "handle" in changes else "update_field"
                self._op(action, s["handle"], f["id"], field=f["handle"], changes=changes)

    def _add_fields(self, s: dict) -> None:
        stored = self.stored_fields.get(s["id"], {})
        new = [f for f in s["fields"] if f["id"] not in stored]
        new.sort(key=lambda f: self._reverse(f) is not None)  # a reverse field needs its other side
        for f in new:
            if f["id"] in self.deferred or self._waits_for_deferred(s, f):
                self._defer(s, f["id"], f["handle"])
                continue
            values = {k: v for k, v in f.items() if k != "id"}
            self.store.add_field(s["id"], values, field_id=f["id"])
            self._op("create_field", s["handle"], f["id"], field=f["handle"], type=f["field_type_handle"])

    def _section_field_keys(self, s: dict) -> None:
        stored = self.store.find_section(s["id"])
        before = section_document(stored, [])
        wanted = {k: s[k] for k in SECTION_FIELD_KEYS}
        waiting = {f["handle"] for f in s["fields"] if f["id"] in self.deferred}
        if waiting:  # settings naming a field of the second step wait for it
            wanted = {k: before[k] for k in SECTION_FIELD_KEYS}
            if s["title_field_handle"] not in waiting:
                wanted["title_field_handle"] = s["title_field_handle"]
        changes = _changes(before, wanted, SECTION_FIELD_KEYS)
        if changes:
            self.store.update_section(s["id"], {k: v["to"] for k, v in changes.items()})
            self._op("update_section", s["handle"], s["id"], changes=changes)

    def _remove_sections(self) -> None:
        in_file = {s["id"] for s in self.document["sections"]}
        gone = [x for sid, x in sorted(self.stored.items(), key=lambda i: i[1]["handle"])
                if sid not in in_file and x["is_active"]]
        for x in gone:
            if not self.prune or self.document["partial"]:
                why = "the file is partial (exported with sections)" if self.prune else "prune removes it"
                self._op("keep_section", x["handle"], str(x["id"]), note=f"in the database, not in the file: kept ({why})")
                continue
            removal = remove_section(self.store, x["id"])
            self._op("remove_section", x["handle"], str(x["id"]), archives=removal.needs_migration,
                     note="its table is archived by its migration" if removal.needs_migration else
                     "it had no table: its configuration is deleted")

    def _defer(self, s: dict, field_id: str, handle: str) -> None:
        if field_id in self.reported:
            return
        self.deferred.add(field_id)
        self.reported.add(field_id)
        self._op("defer_field", s["handle"], field_id, field=handle,
                 note="a relation closing a circle of sections: added in the second step")

    # -- reverse relations -----------------------------------------------------------
    def _reverse(self, f: dict):
        registry = self.store.registry
        if f["field_type_handle"] not in registry:
            return None
        return registry.get(f["field_type_handle"]).reverse_relation(f["field_settings"] or {})

    def _waits_for_deferred(self, s: dict, f: dict) -> bool:
        """A reverse field whose other side waits for the second step waits with it."""
        reverse = self._reverse(f)
        if reverse is None:
            return False
        ref, other_field = reverse
        for other in self.document["sections"]:
            if ref in (other["id"], other["handle"]):
                return any(x["handle"] == other_field and x["id"] in self.deferred for x in other["fields"])
        return False
