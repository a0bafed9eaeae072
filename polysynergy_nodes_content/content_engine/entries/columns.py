"""A batch's values validated column by column: the same verdicts as ``validate_values``
for every item, with one call per field instead of one per value.

Each field's column goes through ``FieldModel.params_column`` (the type's
``parse_column``, which a type may implement with a tight loop); repeated scalar inputs
of a column are checked once. Problems are gathered per item, in field order, so the
first bad item is reported with every problem it has, exactly as a single write would.
"""

from __future__ import annotations

from ..json_values import UNENCODABLE_MESSAGE, is_unencodable
from .model import SectionModel
from .rows import _MEMO_INPUT, _MEMO_TYPES, _PLAIN_PARAMS, _Refused, memo_key

#: A column with more distinct values than this is not de-duplicated any further.
_DEDUPE_DISTINCT = 256


def validate_columns(model: SectionModel, datas: list) -> tuple[list, dict]:
    """(rows, problems): validated parameters of each item (``datas``: dicts of known
    field handles) and item index -> [(field, reason), ...] for the items with problems."""
    rows: list = [{} for _ in datas]
    problems: dict = {}
    for field in model.fields.values():
        handle, junction, required = field.handle, field.junction, field.required
        missing_ok = not required or field.has_default
        column = [data.get(handle, _ABSENT) for data in datas]
        if junction is None and not column.count(None) and not column.count(_ABSENT):
            positions, values = range(len(column)), column  # every item has a value
        else:
            positions, values = [], []
            for index, value in enumerate(column):
                if value is _ABSENT:
                    if not missing_ok:
                        problems.setdefault(index, []).append((handle, "is required"))
                    continue
                if value is None or (junction is not None and value == []):
                    if required:
                        problems.setdefault(index, []).append((handle, "is required and cannot be empty"))
                    else:
                        rows[index][handle] = [] if junction is not None else None
                    continue
                positions.append(index)
                values.append(value)
        if not values:
            continue
        params = _params(field, values)
        kinds = set(map(type, params))
        if kinds <= _PLAIN_OR_STR and (str not in kinds or all(p.isascii() for p in params if p.__class__ is str)):
            # Nothing refused and nothing to check for Unicode: store the column as it is.
            for index, param in zip(positions, params):
                rows[index][handle] = param
            continue
        for index, param in zip(positions, params):
            if param.__class__ is _Refused:
                problems.setdefault(index, []).append((handle, param.message))
                continue
            kind = param.__class__
            if kind is str:
                if not param.isascii() and is_unencodable(param):
                    problems.setdefault(index, []).append((handle, UNENCODABLE_MESSAGE))
                    continue
            elif kind not in _PLAIN_PARAMS and is_unencodable(param):
                problems.setdefault(index, []).append((handle, UNENCODABLE_MESSAGE))
                continue
            rows[index][handle] = param
    return rows, problems


_ABSENT = object()
#: Input types whose equal values always get the same verdict (not float: 0.0 == -0.0).
_ONE_KIND = frozenset({str, int, bool})
#: Parameter types that need no per-value check once a column holds only them (str: when ASCII).
_PLAIN_OR_STR = _PLAIN_PARAMS | {str}


def _params(field, values: list) -> list:
    """Parameters (or _Refused) of one column's non-null inputs; each repeated scalar
    input is checked once while the column has few distinct values."""
    kinds = set(map(type, values))
    if len(kinds) == 1 and kinds <= _ONE_KIND:
        return _params_one_kind(field, values)
    seen: dict = {}
    unique: list = []
    slots: list = []
    for position, value in enumerate(values):
        if len(seen) >= _DEDUPE_DISTINCT:  # many distinct values: check the rest as they come
            slots.extend(range(len(unique), len(unique) + len(values) - position))
            unique.extend(values[position:])
            break
        if value.__class__ in _MEMO_INPUT:
            key = memo_key(value)
            slot = seen.get(key)
            if slot is None:
                slot = seen[key] = len(unique)
                unique.append(value)
            slots.append(slot)
        else:
            slots.append(len(unique))
            unique.append(value)
    if len(unique) == len(values):
        return field.params_column(values)
    checked = field.params_column(unique)
    out = []
    for value, slot in zip(values, slots):
        param = checked[slot]
        if param.__class__ is not _Refused and param.__class__ not in _MEMO_TYPES:
            param = field.params_column([value])[0]  # a mutable parameter is never shared
        out.append(param)
    return out


def _params_one_kind(field, values: list) -> list:
    """``_params`` of a column whose inputs all have one scalar type: values of one type
    are equal exactly when their (type, value) keys are, so a plain dict de-duplicates
    them (at C speed). A column of mostly distinct values is checked as it is."""
    if len(dict.fromkeys(values[:4 * _DEDUPE_DISTINCT])) > _DEDUPE_DISTINCT:
        return field.params_column(values)
    unique = list(dict.fromkeys(values))
    if len(unique) > _DEDUPE_DISTINCT:
        return field.params_column(values)
    checked = field.params_column(unique)
    if not all(p.__class__ is _Refused or p.__class__ in _MEMO_TYPES for p in checked):
        return [field.params_column([value])[0] for value in values]  # a mutable parameter is never shared
    return list(map(dict(zip(unique, checked)).__getitem__, values))
