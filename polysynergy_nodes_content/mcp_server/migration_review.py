"""A planned migration as an agent sees it: the engine's review descriptor, plus who may apply it."""

from __future__ import annotations

from polysynergy_nodes_content.content_engine.descriptors import review_descriptor
from polysynergy_nodes_content.mcp_server.policy import ServerPolicy


def _next_step(plan: dict, policy: ServerPolicy) -> str:
    if plan.get("id") is None:
        return "Nothing to apply: the table already matches the configuration."
    command = f"polysynergy-content migrations apply {plan['id']}"
    if plan.get("is_destructive"):
        return ("This migration destroys data (the data is archived first), so it is never applied through this "
                f"server: show the review to a person and ask them to apply it ({command}).")
    if policy.allow_apply and not policy.read_only:
        return "Show the review to the user; once they agree, call apply_migration with this migration_id."
    return f"Applying is not enabled on this server: show the review to a person and ask them to apply it ({command})."


def review(plan: dict, policy: ServerPolicy) -> dict:
    """The review of ``plan`` (a migration record of the engine), JSON-safe."""
    described = review_descriptor(plan)
    destructive = described["destructive"]
    return {
        "migration_id": plan.get("id"),
        **described,
        "can_apply_here": bool(plan.get("id")) and policy.allow_apply and not policy.read_only and not destructive,
        "next_step": _next_step({**plan, "is_destructive": destructive}, policy),
    }
