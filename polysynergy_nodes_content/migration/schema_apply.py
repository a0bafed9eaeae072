from polysynergy_node_runner.setup_context.dock_property import dock_property
from polysynergy_node_runner.setup_context.node import Node
from polysynergy_node_runner.setup_context.node_decorator import node
from polysynergy_node_runner.setup_context.node_variable_settings import NodeVariableSettings
from polysynergy_node_runner.setup_context.path_settings import PathSettings

from polysynergy_nodes_content.node_support.actions import schema_apply
from polysynergy_nodes_content.node_support.runner import run_node


@node(
    name="Schema Apply",
    category="content_migrations",
    icon="schema_apply.svg",
)
class ContentSchemaApply(Node):
    """Plans a schema file's changes to this database (one combined review, nothing applied);
    with confirm, applies them through the reviewed migrations, in order (for a deployment flow)."""

    schema: str = NodeVariableSettings(
        label="Schema File",
        default="",
        dock=dock_property(text_area=True),
        has_in=True,
        info="The YAML text of a schema file (polysynergy-content schema export)",
    )
    prune: bool = NodeVariableSettings(
        label="Prune",
        default=False,
        dock=True,
        has_in=True,
        info="Also remove sections and fields the file does not have (destructive, archived)",
    )
    confirm: bool = NodeVariableSettings(
        label="Confirm",
        default=False,
        dock=True,
        has_in=True,
        info="Off: only plan and return the review. On: apply (destructive migrations included)",
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

    applied: bool = NodeVariableSettings(
        label="Applied",
        has_out=True,
        info="True when the changes were applied (confirm on)",
    )
    changes: bool = NodeVariableSettings(
        label="Changes",
        has_out=True,
        info="True when the database differs from the file (plan) or was changed (apply)",
    )
    summary: str = NodeVariableSettings(
        label="Summary",
        has_out=True,
        info="One line: configuration changes and migrations",
    )
    error_message: str | None = NodeVariableSettings(
        label="Error Message",
        has_out=True,
        info="Why the file was not planned or applied; empty on success",
    )

    true_path: bool | dict = PathSettings(label="Done", info="The review (plan) or the applied result, and the outputs")
    false_path: bool | dict = PathSettings(label="Error", info="Error message when the file was refused or failed")

    async def execute(self):
        await run_node(
            self,
            {"applied": False, "changes": False, "summary": "", "error_message": None},
            schema_apply,
            self.database_url,
            errors_on_success_path=self.errors_on_success_path,
            error_output="error_message",
            schema=self.schema,
            prune=self.prune,
            confirm=self.confirm,
        )
