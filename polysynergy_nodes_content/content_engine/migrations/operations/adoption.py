"""Adopting a table made elsewhere: what the engine needs on it, and nothing more.

The table keeps its schema, name, columns, types, constraints, indexes, grants and
policies, so the applications that use it keep working. The engine adds its identity
comments (the table's section, each adopted column's field), the system timestamp
columns the table lacks (a constant default: no rewrite, no scan) and the trigger that
keeps ``updated_at`` current. Going back restores every comment as it was and drops only
what was added, so the table is exactly as before.
"""

from __future__ import annotations

from psycopg import sql

from ...postgres import generated_names as names
from ..steps import Step
from .base import ORDER_CREATE_TABLE, MigrationOperation, step

TOUCH_TRIGGER = "touch_updated_at"
SYSTEM_TIMESTAMPS = ("created_at", "updated_at")


class AdoptTable(MigrationOperation):
    kind = "adopt_table"
    order = ORDER_CREATE_TABLE
    lock = "ACCESS EXCLUSIVE"
    lock_note = "brief: comments, columns with a constant default (no rewrite) and a trigger; no scan"

    def __init__(self, ctx, section_id: str, table_name: str, columns: dict, old_comments: dict,
                 table_comment: str | None, missing_timestamps: tuple, renames: dict | None = None,
                 kept: tuple = ()):
        """``columns``: column -> field id; ``old_comments``: column -> its comment now;
        ``renames``: constraints a field owns -> the name the engine gives them; ``kept``:
        columns that stay the table's own (refused types), marked as accounted for."""
        self.section_id, self.table_name, self.columns = str(section_id), table_name, columns
        self.renames, self.kept = dict(renames or {}), tuple(kept)
        self.old_comments, self.table_comment = old_comments, table_comment
        self.missing_timestamps = tuple(c for c in SYSTEM_TIMESTAMPS if c in missing_timestamps)
        super().__init__(ctx)

    def describe(self) -> str:
        added = f", add {' and '.join(self.missing_timestamps)}" if self.missing_timestamps else ""
        return (f"Adopt {self.ctx.schema}.{self.table_name} as a section in place: mark the table and its "
                f"{len(self.columns)} adopted columns{added}, keep updated_at current")

    def _comment_table(self, text: str | None) -> sql.Composed:
        return sql.SQL("COMMENT ON TABLE {} IS {}").format(self.table(self.table_name), _text(text))

    def _comment_column(self, column: str, text: str | None) -> sql.Composed:
        return sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(self.table(self.table_name), sql.Identifier(column),
                                                              _text(text))

    def _rename(self, old: str, new: str) -> sql.Composed:
        return sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
            self.table(self.table_name), sql.Identifier(old), sql.Identifier(new))

    def forwards(self) -> list[Step]:
        t = self.table(self.table_name)
        up = [step(self._comment_table(names.section_mark(self.section_id)))]
        up += [step(self._comment_column(c, names.field_mark(fid))) for c, fid in self.columns.items()]
        up += [step(self._comment_column(c, names.kept_mark(self.section_id))) for c in self.kept]
        up += [step(self._rename(old, new)) for old, new in self.renames.items()]
        for column in self.missing_timestamps:
            # Rows already there count as last written just before the history starts (so their
            # first recorded update keeps a baseline); the default is evaluated once, no rewrite.
            up.append(step(sql.SQL("ALTER TABLE {} ADD COLUMN {} timestamp with time zone "
                                   "DEFAULT (now() - interval '1 microsecond') NOT NULL").format(t, sql.Identifier(column))))
            up.append(step(sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT now()").format(t, sql.Identifier(column))))
        up.append(step(sql.SQL("CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}()").format(
            sql.Identifier(TOUCH_TRIGGER), t, sql.Identifier(self.ctx.settings.system_schema, "content_touch_updated_at"))))
        return up

    def backwards(self) -> list[Step]:
        t = self.table(self.table_name)
        down = [step(sql.SQL("DROP TRIGGER IF EXISTS {} ON {}").format(sql.Identifier(TOUCH_TRIGGER), t))]
        for column in reversed(self.missing_timestamps):
            down.append(step(sql.SQL("ALTER TABLE {} DROP COLUMN IF EXISTS {}").format(t, sql.Identifier(column))))
        down += [step(self._rename(new, old)) for old, new in self.renames.items()]
        down += [step(self._comment_column(c, self.old_comments.get(c))) for c in (*self.columns, *self.kept)]
        down.append(step(self._comment_table(self.table_comment)))
        return down


def _text(value: str | None) -> sql.Composable:
    return sql.SQL("NULL") if value is None else sql.Literal(value)


class AdoptColumn(MigrationOperation):
    """A column another tool added to an adopted table, taken into its section as it is
    (``sections adopt --refresh``): only its identity comment changes."""

    kind = "adopt_column"
    order = ORDER_CREATE_TABLE
    lock = "ACCESS EXCLUSIVE"
    lock_note = "brief: a comment"

    def __init__(self, ctx, table_name: str, column: str, field_id: str, old_comment: str | None):
        self.table_name, self.column, self.field_id, self.old_comment = table_name, column, str(field_id), old_comment
        super().__init__(ctx)

    def describe(self) -> str:
        return f"Take column {self.column} of {self.ctx.schema}.{self.table_name} into the section as it is"

    def _comment(self, text: str | None) -> Step:
        return step(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(self.table(self.table_name),
                                                                   sql.Identifier(self.column), _text(text)))

    def forwards(self) -> list[Step]:
        return [self._comment(names.field_mark(self.field_id))]

    def backwards(self) -> list[Step]:
        return [self._comment(self.old_comment)]
