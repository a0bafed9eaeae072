"""The JSON Schema of an event, shipped with the package (``event.schema.json``)."""

from __future__ import annotations

import json
from importlib import resources


def event_schema() -> dict:
    return json.loads(resources.files(__package__).joinpath("event.schema.json").read_text(encoding="utf-8"))
