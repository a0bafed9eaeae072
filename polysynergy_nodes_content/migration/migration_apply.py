from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import migration_apply
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Migration Apply",
    category="content_migrations",
    icon="migration_apply.svg",
)
class ContentMigrationApply(Node):
    """Runs a reviewed migration against the database (or resumes or aborts an interrupted one);
    destructive migrations need confirm."""

    migration_id: str = NodeVariableSettings(
        label="Migration ID",
        default="",
        dock=True,
        has_in=True,
        info="UUID of the migration to apply, from a Migration Generate or Section node",
    )
    action: str = NodeVariableSettings(
        label="Action",
        default="apply",
        dock=dock_property(select_values={"apply": "Apply", "resume": "Resume", "abort": "Abort"}),
        has_in=True,
        info="apply (an interrupted one is resumed), resume an interrupted apply, or abort (undo) it",
    )
    confirm: bool = NodeVariableSettings(
        label="Confirm",
        default=False,
        dock=True,
        has_in=True,
        info="Safety flag: must be on to apply a destructive migration",
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
        info="True when the migration was applied",
    )
    error_message: str | None = NodeVariableSettings(
        label="Error Message",
        has_out=True,
        info="Why the migration was not applied; empty on success",
    )

    true_path: bool | dict = PathSettings(label="Applied", info="The applied migration and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the migration was refused or failed")

    async def execute(self):
        await run_node(
            self,
            {"success": False, "error_message": None},
            migration_apply,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            error_output="error_message",
            migration_id=self.migration_id,
            confirm=self.confirm,
            action=self.action,
        )
