from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import section_field_remove
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Section Field Remove",
    category="content_sections",
    icon="section_field_remove.svg",
)
class ContentSectionFieldRemove(Node):
    """Removes a field from a section's configuration and plans the migration that drops its column."""

    section_id: str = NodeVariableSettings(
        label="Section",
        default="",
        dock=True,
        has_in=True,
        info="Section UUID or handle",
    )
    field_handle: str = NodeVariableSettings(
        label="Field Handle",
        default="",
        dock=True,
        has_in=True,
        info="Handle of the field to remove",
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

    migration_id: str | None = NodeVariableSettings(
        label="Migration ID",
        has_out=True,
        info="UUID of the planned migration; dropping a column is destructive and needs confirm to apply",
    )

    true_path: bool | dict = PathSettings(label="Removed", info="The removed field, the planned migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the field could not be removed")

    async def execute(self):
        await run_node(
            self,
            {"migration_id": None},
            section_field_remove,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_id=self.section_id,
            field_handle=self.field_handle,
        )
