from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import section_field_add
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Section Field Add",
    category="content_sections",
    icon="section_field_add.svg",
)
class ContentSectionFieldAdd(Node):
    """Adds a field to a section's configuration and plans the ALTER TABLE migration that adds its column."""

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
        info="Lowercase identifier, also the column name, e.g. company_name",
    )
    field_label: str = NodeVariableSettings(
        label="Field Label",
        default="",
        dock=True,
        has_in=True,
        info="Human readable name; empty derives it from the handle",
    )
    field_type_handle: str = NodeVariableSettings(
        label="Field Type",
        default="text",
        dock=True,
        has_in=True,
        info="Field type handle, e.g. text, textarea, number, boolean, select, date, email, url, relation",
    )
    field_settings: dict = NodeVariableSettings(
        label="Field Settings",
        default={},
        dock=True,
        has_in=True,
        info="Settings of the field type as a JSON object, e.g. maxLength for text or options for select",
    )
    is_required: bool = NodeVariableSettings(
        label="Required",
        default=False,
        dock=True,
        has_in=True,
        info="Entries must give a value (NOT NULL)",
    )
    is_unique: bool = NodeVariableSettings(
        label="Unique",
        default=False,
        dock=True,
        has_in=True,
        info="No two entries may share a value (UNIQUE)",
    )
    ui_width: str = NodeVariableSettings(
        label="UI Width",
        default="full",
        dock=dock_property(select_values={"full": "Full", "half": "Half", "third": "Third", "quarter": "Quarter"}),
        has_in=True,
        info="Width of the field in entry forms",
    )
    tab_name: str = NodeVariableSettings(
        label="Tab",
        default="Content",
        dock=True,
        has_in=True,
        info="Tab of the entry form that shows the field",
    )
    help_text: str = NodeVariableSettings(
        label="Help Text",
        default="",
        dock=True,
        has_in=True,
        info="Optional help shown with the field",
    )
    placeholder: str = NodeVariableSettings(
        label="Placeholder",
        default="",
        dock=True,
        has_in=True,
        info="Optional placeholder shown in an empty input",
    )
    default_value: str | None = NodeVariableSettings(
        label="Default Value",
        default=None,
        dock=True,
        has_in=True,
        info="Optional value for new entries; must be valid for the field type",
    )
    sort_order: int = NodeVariableSettings(
        label="Sort Order",
        default=-1,
        dock=True,
        has_in=True,
        info="Position among the fields starting at 0; -1 puts the field after the existing ones",
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

    field_id: str = NodeVariableSettings(
        label="Field ID",
        has_out=True,
        info="UUID of the new field",
    )
    migration_id: str | None = NodeVariableSettings(
        label="Migration ID",
        has_out=True,
        info="UUID of the planned migration that brings the table up to date",
    )

    true_path: bool | dict = PathSettings(label="Added", info="The field, the planned migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the field could not be added")

    async def execute(self):
        await run_node(
            self,
            {"field_id": "", "migration_id": None},
            section_field_add,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            section_id=self.section_id,
            field_handle=self.field_handle,
            field_label=self.field_label,
            field_type_handle=self.field_type_handle,
            field_settings=self.field_settings,
            is_required=self.is_required,
            is_unique=self.is_unique,
            ui_width=self.ui_width,
            tab_name=self.tab_name,
            help_text=self.help_text,
            placeholder=self.placeholder,
            default_value=self.default_value,
            sort_order=self.sort_order,
        )
