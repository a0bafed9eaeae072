from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import entry_create
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Entry Create",
    category="content_entries",
    icon="entry_create.svg",
)
class ContentEntryCreate(Node):
    """Validates and inserts one entry, or a batch of entries, into a section's table."""

    section_handle: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section handle (or UUID), e.g. research_companies",
    )
    field_data: dict = NodeVariableSettings(
        label="Field Data",
        default={},
        dock=True,
        has_in=True,
        info="JSON object of field values by field handle; a list of objects creates a batch in one transaction",
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

    entry_id: str | None = NodeVariableSettings(
        label="Entry ID",
        has_out=True,
        info="Id of the new entry (a UUID for sections made here; an adopted table keeps its own key type); for a batch, the list of ids",
    )
    created_data: dict = NodeVariableSettings(
        label="Created Data",
        has_out=True,
        info="The stored entry with id, created_at and updated_at; for a batch, the list of entries",
    )

    true_path: bool | dict = PathSettings(label="Created", info="entry_id and created_data")
    false_path: bool | dict = PathSettings(label="Error", info="Error message naming the invalid field, or why the insert failed")

    async def execute(self):
        await run_node(
            self,
            {"entry_id": None, "created_data": {}},
            entry_create,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            field_data=self.field_data,
        )
