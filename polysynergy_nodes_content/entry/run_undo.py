from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import run_undo
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Run Undo",
    category="content_entries",
    icon="run_undo.svg",
)
class ContentRunUndo(Node):
    """Reverts everything one run, import or bulk change did, all-or-nothing; without confirm
    only previews what each entry goes back to."""

    run_to_undo: str = NodeVariableSettings(
        label="Run To Undo",
        default="",
        dock=True,
        has_in=True,
        info="The change set to revert: a run_id from Entry History, a write's result or a flow run's id",
    )
    confirm: bool = NodeVariableSettings(
        label="Confirm",
        default=False,
        dock=True,
        has_in=True,
        info="Revert only when true; false previews what each entry goes back to and the conflicts",
    )
    force: bool = NodeVariableSettings(
        label="Force",
        default=False,
        dock=True,
        has_in=True,
        info="Also revert entries changed since by another change (conflicts)",
    )
    errors_on_success_path: bool = NodeVariableSettings(
        label="Errors On Success Path",
        default=False,
        dock=True,
        has_in=True,
        info="For agent tools: on failure send {ok: false, error, field} on the success path instead of the error path",
    )
    database_url: str = NodeVariableSettings(
        label="Database URL",
        default="",
        dock=dock_property(secret=True),
        has_in=True,
        info="PostgreSQL URL, best as <secret:KEY>; empty uses env SECTIONS_DATABASE_URL, then DATABASE_URL",
    )

    success: bool = NodeVariableSettings(
        label="Success",
        has_out=True,
        info="True when the run was reverted (false for a preview)",
    )
    changes: list = NodeVariableSettings(
        label="Changes",
        has_out=True,
        info="Per entry the run touched: section, entry_id, action (delete, restore, relink) and conflict",
    )
    conflict_count: int = NodeVariableSettings(
        label="Conflict Count",
        has_out=True,
        info="Entries changed since by another change",
    )
    undo_run_id: str | None = NodeVariableSettings(
        label="Undo Run ID",
        has_out=True,
        info="The change set of the undo itself (it can be undone too); empty for a preview",
    )

    true_path: bool | dict = PathSettings(label="Reverted", info="success, changes, conflict_count, undo_run_id, confirmed, reverted")
    false_path: bool | dict = PathSettings(label="Error", info="Error message: no such run, or conflicts refused without force")

    async def execute(self):
        await run_node(
            self,
            {"success": False, "changes": [], "conflict_count": 0, "undo_run_id": None},
            run_undo,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            run_to_undo=self.run_to_undo,
            confirm=self.confirm,
            force=self.force,
        )
