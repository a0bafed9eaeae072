from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import entry_delete
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Entry Delete",
    category="content_entries",
    icon="entry_delete.svg",
)
class ContentEntryDelete(Node):
    """Deletes one entry from a section's table."""

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
        info="Id of the entry to delete (a UUID for sections made here; an adopted table keeps its own key type), or empty with filters",
    )
    filters: dict = NodeVariableSettings(
        label="Filters",
        default={},
        dock=True,
        has_in=True,
        info="Instead of entry_id: every entry matching these filters, e.g. {\"status\": \"draft\"} (needs confirm)",
    )
    confirm: bool = NodeVariableSettings(
        label="Confirm",
        default=False,
        dock=True,
        has_in=True,
        info="With filters: delete them only when true; false only counts the matching entries",
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
        info="True when the entry was deleted",
    )
    deleted_count: int = NodeVariableSettings(
        label="Deleted Count",
        has_out=True,
        info="How many entries were deleted",
    )

    true_path: bool | dict = PathSettings(label="Deleted", info="success and the deleted entry_id")
    false_path: bool | dict = PathSettings(label="Error", info="Error message, e.g. that the entry does not exist")

    async def execute(self):
        await run_node(
            self,
            {"success": False, "deleted_count": 0},
            entry_delete,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            entry_id=self.entry_id,
            filters=self.filters,
            confirm=self.confirm,
        )
