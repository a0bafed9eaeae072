from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import section_field_update
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Section Field Update",
    category="content_sections",
    icon="section_field_update.svg",
)
class ContentSectionFieldUpdate(Node):
    """Changes a field's configuration and plans the migration that alters its column."""

    field_id: str = NodeVariableSettings(
        label="Field ID",
        default="",
        dock=True,
        has_in=True,
        info="UUID of the field to change",
    )
    updates: dict = NodeVariableSettings(
        label="Updates",
        default={},
        dock=True,
        has_in=True,
        info="JSON object of the settings to change: handle, label, field_type_handle, field_settings, is_required, is_unique, default_value, help_text, placeholder, ui_width, tab_name, sort_order, is_visible",
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
        info="UUID of the planned migration; empty when the change needs no table change",
    )

    true_path: bool | dict = PathSettings(label="Updated", info="The updated field, the planned migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the field could not be updated")

    async def execute(self):
        await run_node(
            self,
            {"migration_id": None},
            section_field_update,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            field_id=self.field_id,
            updates=self.updates,
        )
