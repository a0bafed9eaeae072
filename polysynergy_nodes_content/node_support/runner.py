"""Run engine work off the event loop, and apply a node's success/failure protocol.

Each flow run may use a new event loop (scheduled runs call ``asyncio.run`` every
time), so nothing here keeps loop-bound state: the engine and its connection pools
are synchronous and shared per process, and each call runs in a worker thread via
``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging

from polysynergy_node_runner.execution_context.replace_placeholders import replace_placeholders
from polysynergy_node_runner.setup_context.node_error import NodeError

from polysynergy_nodes_content.content_engine.engine import get_engine, json_safe
from polysynergy_nodes_content.content_engine.errors import ConfigurationError, ContentError, InvalidInput
from polysynergy_nodes_content.node_support.json_input import coerce_bool, is_not_given

logger = logging.getLogger(__name__)


def clean_database_url(value) -> str | None:
    """The ``database_url`` input, or None when it is empty (the engine then uses env vars)."""
    if is_not_given(value):
        return None
    if not isinstance(value, str):
        raise ConfigurationError("database_url must be text (a postgresql:// URL)")
    url = value.strip()
    if not url:
        return None
    if url == "<SECRET::NOT::FOUND>":
        raise ConfigurationError("database_url: the secret it refers to was not found in this project and stage")
    if url == "<ENV_VAR::NOT::FOUND>":
        raise ConfigurationError("database_url: the environment variable it refers to was not found in this project and stage")
    if url.startswith("<") and url.endswith(">"):
        raise ConfigurationError(f"database_url holds a placeholder that was not resolved: {url}")
    return url


#: What marks a value as a template for the runtime's Jinja renderer.
TEMPLATE_MARKERS = ("{{", "{%", "{#")


def _is_template(value) -> bool:
    if isinstance(value, str):
        text = value
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)
    else:
        return False
    return any(marker in text for marker in TEMPLATE_MARKERS)


def fill_placeholders(node, name: str, value):
    """``value`` with its ``{{ node.variable }}`` placeholders filled, as PolySynergy's own
    section nodes do: the runtime's ``replace_placeholders`` over the node's own values and
    the nodes already run in this flow.

    Values without a placeholder pass through untouched: no render, and no JSON round trip
    of a dict or list. A placeholder that cannot be filled is an error naming the input.
    """
    if not _is_template(value):
        return value
    try:
        return replace_placeholders(data=value, values=node.__dict__, state=getattr(node, "state", None),
                                    current_node=node)
    except Exception as error:  # Jinja's errors vary by version: report every one on the input
        raise InvalidInput(f"{name}: a {{{{ }}}} placeholder could not be filled: {error}", field=name) from None


def node_write_context(node) -> dict:
    """What the history records of this node's writes: source ``node``, the flow run's id
    (``self.context.run_id``: every write of one flow run shares it, so undoing that run
    undoes the whole flow run) and the node's id. Outside a flow run (no context) each
    write call gets a run id of its own."""
    run_id = getattr(getattr(node, "context", None), "run_id", None)
    node_id = getattr(node, "id", None)
    return {"source": "node", "run_id": str(run_id) if run_id else None, "node_id": str(node_id) if node_id else None}


def call_engine(database_url, operation, arguments: dict, context: dict | None = None):
    """``operation(engine, **arguments)`` with the shared engine for ``database_url`` (blocking);
    ``context``: what the history records of its writes (``ContentEngine.with_context``)."""
    engine = get_engine(clean_database_url(database_url))
    if context:
        engine = engine.with_context(**context)
    return operation(engine, **arguments)


async def run_engine_call(database_url, operation, context: dict | None = None, **arguments):
    """Run ``operation(engine, **arguments)`` in a worker thread and return its result."""
    return await asyncio.to_thread(call_engine, database_url, operation, arguments, context)


def error_for_path(error: BaseException) -> BaseException:
    """The error to show: engine errors as they are, anything else with its type name."""
    if isinstance(error, ContentError):
        return error
    logger.error("content node failed unexpectedly", exc_info=(type(error), error, error.__traceback__))
    message = str(error).strip()
    return RuntimeError(f"{type(error).__name__}: {message}" if message else type(error).__name__)


def failure_result(error: BaseException) -> dict:
    """The error as an agent's tool result: ``{"ok": false, "error", "field"}`` (+ ``index``)."""
    shown = error_for_path(error)
    result = {"ok": False, "error": str(shown), "field": getattr(shown, "field", None)}
    index = getattr(shown, "index", None)
    if index is not None:
        result["index"] = index
    return result


def apply_failure(node, error: BaseException, empty_outputs: dict, on_success_path: bool = False,
                  error_output: str | None = None) -> None:
    """Reset every output and report the error.

    Normally the success path closes and the error goes to ``false_path``; with
    ``on_success_path`` (a node used as an agent's tool, where one result node should
    serve both outcomes) ``true_path`` carries ``{"ok": false, ...}`` instead.
    ``error_output`` names an output that also receives the message.
    """
    for name, empty in empty_outputs.items():
        setattr(node, name, copy.deepcopy(empty))
    if on_success_path:
        node.false_path = False
        node.true_path = failure_result(error)
        message = node.true_path["error"]
    else:
        node.true_path = False
        node.false_path = NodeError.format(error_for_path(error))
        message = node.false_path["error"]
    if error_output is not None:
        setattr(node, error_output, message)


def apply_success(node, outputs: dict, empty_outputs: dict, result: dict) -> None:
    """Set every output (missing ones to their empty value) and open the success path.

    Outputs and result are copied into plain JSON values, so nothing a later node does
    to them reaches the engine, and nothing of this run is shared with the next.
    """
    for name, empty in empty_outputs.items():
        setattr(node, name, json_safe(outputs[name]) if name in outputs else copy.deepcopy(empty))
    node.false_path = False
    node.true_path = {"ok": True, **json_safe(result)}


async def run_node(node, empty_outputs: dict, operation, database_url, *, errors_on_success_path=False,
                   error_output: str | None = None, **arguments) -> bool:
    """Run a node's engine operation and apply the outcome to the node.

    Text and JSON arguments have their ``{{ ... }}`` placeholders filled first
    (``fill_placeholders``; not ``database_url``, whose password may hold any character).
    ``operation(engine, **arguments)`` returns ``(outputs, result)``: the output values
    by name and the dict for ``true_path``. ``empty_outputs`` names every output with
    its empty value. ``errors_on_success_path`` is the node's input of that name (any
    of its string forms). Returns True on success, False on failure.
    """
    try:
        on_success_path = coerce_bool(errors_on_success_path, "errors_on_success_path")
    except InvalidInput as error:
        apply_failure(node, error, empty_outputs, False, error_output)
        return False
    try:
        arguments = {name: fill_placeholders(node, name, value) for name, value in arguments.items()}
        outputs, result = await run_engine_call(database_url, operation, node_write_context(node), **arguments)
    except Exception as error:  # every failure goes to a path, never into the flow
        apply_failure(node, error, empty_outputs, on_success_path, error_output)
        return False
    apply_success(node, outputs, empty_outputs, result)
    return True
