from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import entry_restore
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Entry Restore",
    category="content_entries",
    icon="entry_restore.svg",
)
class ContentEntryRestore(Node):
    """Puts one entry back as it was at a version of its history (a deleted entry comes back);
    without confirm only shows what it would get back."""

    section_handle: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section handle (or UUID), e.g. research_companies",
    )
    entry_id: str = NodeVariableSettings(
        label="Entry ID",
        default="",
        dock=True,
        has_in=True,
        info="Id of the entry to restore, a deleted one too (a UUID for sections made here; an adopted table keeps its own key type)",
    )
    history_version: int = NodeVariableSettings(
        label="Version",
        default=0,
        dock=True,
        has_in=True,
        info="The version number to go back to, from Entry History",
    )
    confirm: bool = NodeVariableSettings(
        label="Confirm",
        default=False,
        dock=True,
        has_in=True,
        info="Restore only when true; false previews the values the entry would get back",
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
        info="True when the entry was restored (false for a preview)",
    )
    restored_data: dict = NodeVariableSettings(
        label="Restored Data",
        has_out=True,
        info="The entry after the restore; in a preview, the values of that version",
    )
    restore_run_id: str | None = NodeVariableSettings(
        label="Restore Run ID",
        has_out=True,
        info="The change set of the restore (undo it with Run Undo); empty for a preview",
    )

    true_path: bool | dict = PathSettings(label="Restored", info="success, restored_data, restore_run_id, confirmed (preview: also version and current)")
    false_path: bool | dict = PathSettings(label="Error", info="Error message naming the field: no such version, or a value the section refuses now")

    async def execute(self):
        await run_node(
            self,
            {"success": False, "restored_data": {}, "restore_run_id": None},
            entry_restore,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            entry_id=self.entry_id,
            history_version=self.history_version,
            confirm=self.confirm,
        )
