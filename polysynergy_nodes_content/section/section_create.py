from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import section_create
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Section Create",
    category="content_sections",
    icon="section_create.svg",
)
class ContentSectionCreate(Node):
    """Creates a section (a content type with its own table) and plans its CREATE TABLE migration."""

    section_handle: str = NodeVariableSettings(
        label="Section Handle",
        default="",
        dock=True,
        has_in=True,
        info="Lowercase identifier, also the table name in the content schema, e.g. research_companies",
    )
    label: str = NodeVariableSettings(
        label="Label",
        default="",
        dock=True,
        has_in=True,
        info="Human readable name, e.g. Research Companies",
    )
    description: str = NodeVariableSettings(
        label="Description",
        default="",
        dock=True,
        has_in=True,
        info="Optional description of the section",
    )
    section_icon: str = NodeVariableSettings(
        label="Section Icon",
        default="",
        dock=True,
        has_in=True,
        info="Optional icon name for the section",
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

    section_id: str = NodeVariableSettings(
        label="Section ID",
        has_out=True,
        info="UUID of the new section",
    )
    table_name: str = NodeVariableSettings(
        label="Table Name",
        has_out=True,
        info="Name of the section's table in the content schema",
    )
    migration_id: str | None = NodeVariableSettings(
        label="Migration ID",
        has_out=True,
        info="UUID of the planned CREATE TABLE migration; review it, then apply it",
    )

    true_path: bool | dict = PathSettings(label="Created", info="The section, its migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the section could not be created")

    async def execute(self):
        await run_node(
            self,
            {"section_id": "", "table_name": "", "migration_id": None},
            section_create,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_handle=self.section_handle,
            label=self.label,
            description=self.description,
            section_icon=self.section_icon,
        )
