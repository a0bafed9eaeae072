"""Names of the events tables and the pieces of the events SQL shared by the modules."""

from __future__ import annotations

from psycopg import sql

EVENT_TYPES = ("create", "update", "delete")
#: The channel the history capture notifies when a subscription covers the changed section.
CHANNEL = "polysynergy_content_events"


def table(settings, name: str) -> sql.Identifier:
    return sql.Identifier(settings.system_schema, name)


def subscriptions(settings) -> sql.Identifier:
    return table(settings, "content_subscriptions")


def events(settings) -> sql.Identifier:
    return table(settings, "content_events")


def history(settings) -> sql.Identifier:
    return table(settings, "content_history")
