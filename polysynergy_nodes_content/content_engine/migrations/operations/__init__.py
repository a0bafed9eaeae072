"""One class per migration operation kind; the planner's diff builds them, apply runs their steps."""

from .adoption import AdoptColumn, AdoptTable
from .base import LOCKS, MigrationOperation, PlanContext
from .columns import AddColumn, DropColumn, RenameColumn, SetDefault
from .constraints import AddCheck, AddForeignKey, AddUnique, DropConstraint
from .history import DisableHistory, DisableLinkHistory, EnableHistory, EnableLinkHistory, RefreshHistory
from .indexes import AddIndex, DropIndex
from .junctions import ArchiveJunction, CreateJunction, RenameJunction
from .nullability import DropNotNull, SetNotNull
from .rules import AddRuleCheck, RuleOnlyInEngine
from .search import AddSearchIndex, DropSearchIndex
from .tables import ArchiveTable, CreateTable, NotifyPostgrest, RenameTable
from .types import AlterTypeInPlace, AlterTypeOnline

#: Every operation kind, in the order a migration runs them.
OPERATION_KINDS = (
    DropConstraint, DropIndex, DropSearchIndex, RenameTable, RenameColumn, DropColumn, ArchiveJunction, AlterTypeInPlace,
    AlterTypeOnline, SetDefault, CreateTable, AdoptTable, AdoptColumn, AddColumn, SetNotNull, DropNotNull, AddCheck, AddUnique,
    AddForeignKey, AddIndex, AddSearchIndex, AddRuleCheck, RuleOnlyInEngine, CreateJunction, RenameJunction,
    DisableHistory, EnableHistory, RefreshHistory, EnableLinkHistory, DisableLinkHistory, ArchiveTable,
    NotifyPostgrest,
)

__all__ = [cls.__name__ for cls in OPERATION_KINDS] + ["LOCKS", "MigrationOperation", "OPERATION_KINDS", "PlanContext"]
