"""Drift: what differs between a schema file and a database."""

from __future__ import annotations


def schema_drift(engine, text: str) -> dict:
    raise NotImplementedError
