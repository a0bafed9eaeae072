"""The table view's query string <-> the engine's query language.

``op.<field>=_gte&q.<field>=5`` filters a column, ``search=words`` searches the section
(its search fields, else all its text fields), ``sort=<field>&dir=desc`` sorts, ``page``
and ``size`` page. Values stay text: the engine's field types parse them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

PAGE_SIZES = (25, 50, 100)
LIST_OPERATORS = ("_in", "_nin")
OPERATOR_LABELS = {
    "_eq": "=", "_neq": "≠", "_lt": "<", "_lte": "≤", "_gt": ">", "_gte": "≥", "_in": "in", "_nin": "not in",
    "_null": "is empty", "_nnull": "is not empty", "_contains": "contains", "_icontains": "contains (any case)",
    "_starts_with": "starts with", "_ends_with": "ends with", "_between": "between",
}
NO_VALUE = ("_null", "_nnull")


@dataclass
class TableQuery:
    filters: dict = field(default_factory=dict)  # handle -> (operator, text)
    sort: str = "created_at"
    direction: str = "desc"
    page: int = 1
    size: int = 25
    search: str = ""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def order_by(self) -> str:
        return f"{self.sort} {self.direction.upper()}"

    def params(self, **changes) -> str:
        """The query string of this view with ``changes`` (sort, direction, page, size)."""
        values = {"sort": self.sort, "dir": self.direction, "page": self.page, "size": self.size}
        values.update({("dir" if k == "direction" else k): v for k, v in changes.items()})
        pairs = [(k, str(v)) for k, v in values.items()]
        for handle, (op, text) in self.filters.items():
            pairs += [(f"op.{handle}", op), (f"q.{handle}", text)]
        if self.search:
            pairs.append(("search", self.search))
        return urlencode(pairs)

    def sorted_by(self, handle: str) -> str:
        """The link of a column header: sort by it, or flip the direction if it already is."""
        direction = "desc" if self.sort == handle and self.direction == "asc" else "asc"
        return self.params(sort=handle, direction=direction, page=1)


def parse_query(params, descriptor: dict) -> TableQuery:
    columns = {c["handle"]: c for c in descriptor["columns"]}
    query = TableQuery()
    for handle, column in columns.items():
        op = params.get(f"op.{handle}") or ""
        text = (params.get(f"q.{handle}") or "").strip()
        if op in column["filter_operators"] and (text or op in NO_VALUE):
            query.filters[handle] = (op, text)
    sort = params.get("sort") or descriptor["default_sort"]["field"]
    if sort in columns and columns[sort]["sortable"]:
        query.sort = sort
    else:
        query.sort = descriptor["default_sort"]["field"]
    query.direction = "asc" if params.get("dir") == "asc" else "desc" if params.get("dir") == "desc" else \
        descriptor["default_sort"]["direction"]
    query.search = (params.get("search") or "").strip()
    query.page = _positive(params.get("page"), 1)
    size = _positive(params.get("size"), 25)
    query.size = size if size in PAGE_SIZES else 25
    return query


def _positive(text, default: int) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value >= 1 else default


def operand(op: str, text: str, column: dict):
    """The filter operand for the engine: lists for _in/_nin/_between, booleans for
    _null/_nnull, JSON for json columns, text otherwise."""
    if op in NO_VALUE:
        return True
    if op in LIST_OPERATORS:
        return [part.strip() for part in text.split(",") if part.strip()]
    if op == "_between":
        parts = [p.strip() for p in (text.split("..") if ".." in text else text.split(","))]
        return parts
    if column["cell"] == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    if column["cell"] == "tags" and op in ("_eq", "_neq", "_contains"):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text
