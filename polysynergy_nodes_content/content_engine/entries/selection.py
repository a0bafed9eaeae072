"""``fields=[...]``: which columns a read returns and which relations it follows.

``"title"`` is a column; ``"*"`` every column of the level; ``"author"`` a relation as
its id (a list of ids for a multiple relation); ``"author.name"`` or ``"author.*"``
follows the relation and returns the related entry as an object (a list of objects, in
order, for a multiple relation). Paths nest: ``"author.company.name"``. The id of every
returned entry is always included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InvalidInput
from ..identifiers import IDENTIFIER_PATTERN, SYSTEM_COLUMNS
from .model import FieldModel, SectionModel

MAX_FIELDS = 200
MAX_DEPTH = 4


@dataclass
class Selection:
    """A parsed level of ``fields``: named columns (or all) and followed relations."""

    all_columns: bool = False
    names: list = field(default_factory=list)
    follow: dict = field(default_factory=dict)  # relation handle -> Selection

    def add(self, parts: list[str], path: str, depth: int) -> None:
        head, rest = parts[0], parts[1:]
        if head == "*":
            if rest:
                raise InvalidInput(f"fields: '{path}': '*' ends a path (use 'relation.*' to follow a relation)",
                                   field="fields")
            self.all_columns = True
            return
        if not IDENTIFIER_PATTERN.match(head) or len(head) > 63:
            raise InvalidInput(f"fields: '{path[:80]}' is not a field path (e.g. \"title\", \"author.name\")",
                               field="fields")
        if not rest:
            if head not in self.names:
                self.names.append(head)
            return
        if depth >= MAX_DEPTH:
            raise InvalidInput(f"fields: '{path[:80]}' follows more than {MAX_DEPTH} relations", field="fields")
        self.follow.setdefault(head, Selection()).add(rest, path, depth + 1)


def parse_fields(fields) -> Selection | None:
    """``fields`` (a list or a comma-separated string; JSON text is decoded at the entry
    service's door) as a Selection; None means the default: every column, relations as ids."""
    if fields is None or fields == "" or fields == []:
        return None
    if isinstance(fields, str):
        fields = [part for part in fields.split(",")]
    if not isinstance(fields, (list, tuple)) or not all(isinstance(f, str) for f in fields):
        raise InvalidInput("fields must be a list of field paths such as [\"title\", \"author.name\"]", field="fields")
    if len(fields) > MAX_FIELDS:
        raise InvalidInput(f"fields takes at most {MAX_FIELDS} paths", field="fields")
    top = Selection()
    for raw in fields:
        path = raw.strip()
        if not path:
            continue
        top.add(path.split("."), path, 0)
    return top


@dataclass
class Level:
    """A Selection checked against a section's model: what to select and to follow."""

    model: SectionModel
    columns: list  # column names to select (id first)
    id_links: list  # multiple relations returned as ids
    follow: list  # (FieldModel, Level)
    shown: list  # output keys in order


def bind(selection: Selection | None, model: SectionModel, load_model, path: str = "") -> Level:
    """Check every name against ``model`` (and the followed targets, loaded with
    ``load_model(handle)``); unknown names are an error naming the path."""
    if selection is None:
        selection = Selection(all_columns=True)
    shown: list[str] = ["id"]
    if selection.all_columns:
        shown += [f.handle for f in model.fields.values()] + ["created_at", "updated_at"]
    for name in selection.names:
        if name in shown:
            continue
        if name not in SYSTEM_COLUMNS and name not in model.fields:
            raise _unknown(model, name, path)
        shown.append(name)
    follow = []
    for handle, sub in selection.follow.items():
        relation = model.fields.get(handle)
        if relation is None:
            raise _unknown(model, handle, path)
        if not relation.target_section:
            raise InvalidInput(f"fields: '{path}{handle}' is not a relation, so it has no fields to follow",
                               field="fields")
        target = load_model(relation.target_section)
        follow.append((relation, bind(sub, target, load_model, f"{path}{handle}.")))
        if handle not in shown:
            shown.append(handle)
    followed = {f.handle for f, _ in follow}
    columns = []
    id_links = []
    for name in shown:
        f: FieldModel | None = model.fields.get(name)
        if f is not None and f.links:
            if name not in followed:
                id_links.append(f)
            continue
        columns.append(name)
    return Level(model, columns, id_links, follow, shown)


def _unknown(model: SectionModel, name: str, path: str) -> InvalidInput:
    if name in model.pending_handles:
        return model.unknown_field(name)
    known = ", ".join(sorted(model.fields)) or "none"
    return InvalidInput(f"fields: unknown field '{path}{name}' in section '{model.handle}' (fields: {known})",
                        field="fields")
