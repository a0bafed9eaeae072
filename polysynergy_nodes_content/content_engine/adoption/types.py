"""How one column of a table made elsewhere maps to a field type: exactly, with a named
loss, or not at all (with the reason).

This is a vocabulary, like the descriptors': PostgreSQL types on one side, the field
types that store them on the other. Every proposal is checked with the field type's own
hooks (``validate_settings``, ``column_type``), so a replaced or removed type is noticed
instead of assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polysynergy_section_field.section_field_runner import FieldTypeRegistry

from .catalog import CatalogColumn

MAPS, LOSSY, REFUSED = "maps", "maps_with_loss", "refused"

#: Refused types and why (read-only display is not offered: a section's fields are editable).
REFUSED_TYPES = {
    "bytea": "binary data: no field type stores bytes (keep files in storage and their path in a text column)",
    "tsvector": "a search document PostgreSQL derives from other columns, not a value people edit",
    "tsquery": "a search query, not content",
    "point": "a geometric type: no field type stores geometry",
    "line": "a geometric type: no field type stores geometry",
    "lseg": "a geometric type: no field type stores geometry",
    "box": "a geometric type: no field type stores geometry",
    "path": "a geometric type: no field type stores geometry",
    "polygon": "a geometric type: no field type stores geometry",
    "circle": "a geometric type: no field type stores geometry",
    "interval": "a duration: no field type stores intervals",
    "money": "money depends on the server's locale: use numeric(p,s) (a decimal field) instead",
    "xml": "no field type stores XML",
    "inet": "a network address: no field type stores it",
    "cidr": "a network address: no field type stores it",
    "macaddr": "a network address: no field type stores it",
}


@dataclass
class ColumnMapping:
    column: str
    type: str
    status: str  # maps | maps_with_loss | refused
    field_type: str | None = None
    settings: dict = field(default_factory=dict)
    loss: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        out = {"column": self.column, "type": self.type, "status": self.status}
        if self.status != REFUSED:
            out.update(field_type=self.field_type, settings=self.settings)
        if self.loss:
            out["loss"] = self.loss
        if self.reason:
            out["reason"] = self.reason
        return out


def _proposal(col: CatalogColumn) -> tuple[str, dict, str | None] | str:
    """(field type handle, settings, loss or None), or the reason the column is refused."""
    base = col.base_type
    if col.type_kind == "e":
        options = list(col.enum_labels)
        return ("select", {"options": options},
                "entries sort by text, not by the enum's order")
    if base in ("text", "character varying"):
        if col.length:
            return "text", {"maxLength": col.length}, None
        return "text", {}, None if base == "text" else "character varying without a length behaves as text"
    if base == "character":
        return ("text", {"maxLength": col.length or 1},
                f"char({col.length or 1}) pads values with blanks to {col.length or 1} characters; "
                "the field reads them back padded")
    if base == "citext":
        return "text", {}, "citext compares without case; the field's filters compare as the column does"
    if base in ("smallint", "integer"):
        return "integer", {}, f"values beyond the {base} range are refused by the column, not by the field"
    if base == "bigint":
        return "integer", {}, None
    if base == "numeric":
        if col.precision is not None:
            return "decimal", {"precision": col.precision, "scale": col.scale or 0}, None
        return ("decimal", {"precision": 1000, "scale": 16},
                "numeric without a scale keeps any number of decimals; the field refuses values with "
                "more than 16 decimals or 1000 digits")
    if base == "real":
        return "number", {}, "real keeps about 6 significant digits; the field reads and writes double precision"
    if base == "double precision":
        return "number", {}, None
    if base == "boolean":
        return "boolean", {}, None
    if base == "date":
        return "date", {}, None
    if base == "time without time zone":
        return "time", {}, None
    if base == "time with time zone":
        return "time", {}, "the time zone offset of a timetz value is not shown by the field"
    if base == "timestamp with time zone":
        return "datetime", {}, None
    if base == "timestamp without time zone":
        return "datetime", {}, "timestamp without time zone: values are read and written as UTC instants"
    if base == "uuid":
        return ("text", {"pattern": "[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}"},
                "no uuid field type: the field checks the uuid as text")
    if base == "jsonb":
        return "json", {}, None
    if base == "json":
        return "json", {}, "json keeps key order, spacing and duplicate keys; the field reads it as jsonb would"
    reason = REFUSED_TYPES.get(base)
    if reason:
        return f"{base}: {reason}"
    if col.type_kind == "r" or col.type_kind == "m":
        return f"{base}: a range type: no field type stores ranges"
    if col.type_kind == "c":
        return f"{base}: a composite type: no field type stores one"
    return f"{base}: no field type stores this type"


def map_column(col: CatalogColumn, registry: FieldTypeRegistry, array_values: list | None = None) -> ColumnMapping:
    """The mapping of one (non-key, non-system) column. ``array_values``: the distinct values
    a text[] column holds, which become a multi-select's options."""
    if col.generated:
        return ColumnMapping(col.name, col.type, REFUSED,
                             reason="a generated column: PostgreSQL computes it, a field would have to write it")
    if col.is_array:
        return _map_array(col, registry, array_values)
    proposal = _proposal(col)
    if isinstance(proposal, str):
        return ColumnMapping(col.name, col.type, REFUSED, reason=proposal)
    handle, settings, loss = proposal
    return _checked(col, registry, handle, settings, loss)


def _map_array(col: CatalogColumn, registry, array_values) -> ColumnMapping:
    if col.base_type not in ("text", "character varying") or col.type_kind != "b":
        return ColumnMapping(col.name, col.type, REFUSED,
                             reason=f"{col.type}: only text[] maps (to a multi-select); other arrays have no field type")
    if not array_values:
        return ColumnMapping(col.name, col.type, REFUSED,
                             reason="text[] becomes a multi-select, whose options come from the values the "
                                    "column holds: it holds none yet")
    loss = (f"the options are the {len(array_values)} distinct values the column holds now; "
            "another value is refused by the field")
    return _checked(col, registry, "multi_select", {"options": list(array_values)}, loss)


def _checked(col, registry, handle, settings, loss) -> ColumnMapping:
    """The proposal as the field type itself sees it: valid settings, and its own column type."""
    if handle not in registry:
        return ColumnMapping(col.name, col.type, REFUSED, reason=f"no field type '{handle}' is registered")
    ft = registry.get(handle)
    try:
        settings = ft.validate_settings(settings)
    except ValueError as exc:
        return ColumnMapping(col.name, col.type, REFUSED, reason=f"field type '{handle}': {exc}")
    own_type = ft.column_type(settings)
    if " ".join(own_type.lower().split()) != " ".join(col.type.lower().split()):
        note = f"the column stays {col.type} (a new '{handle}' field would make {own_type})"
        loss = f"{loss}; {note}" if loss else note
    return ColumnMapping(col.name, col.type, LOSSY if loss else MAPS, handle, settings, loss=loss)
